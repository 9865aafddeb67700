variable "text" {
  type        = string
  description = "Text to format."
}

variable "suffix" {
  type        = string
  description = "Appended to the text."
  default     = "!"
}

output "result" {
  description = "The formatted text."
  value       = "${var.text}${var.suffix}"
}
