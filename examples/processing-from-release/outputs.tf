output "function_name" {
  description = "Name of the processor function."
  value       = module.processing.function_name
}

output "code_source" {
  description = "The S3 object the function's code comes from."
  value       = module.processing.code_source
}

output "dlq_url" {
  description = "URL of the dead-letter queue of failed events."
  value       = module.processing.dlq_url
}
