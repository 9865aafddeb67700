output "greeting" {
  description = "The greeting."
  value       = module.formatter.result
}
