variable "name" {
  type        = string
  description = "Who to greet."

  validation {
    condition     = length(var.name) > 0
    error_message = "The name must not be empty."
  }
}

variable "shout" {
  type        = bool
  description = "Greet in capitals."
  default     = false
}
