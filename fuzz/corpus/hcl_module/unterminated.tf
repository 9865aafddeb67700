variable "x" {
  default = "abc
