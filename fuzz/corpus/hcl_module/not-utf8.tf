variable "ÿþ" {}
