output "aws_region" {
  description = "AWS region of the environment (the imgpipe CLI reads it)."
  value       = var.aws_region
}

output "bucket_name" {
  description = "Name of the image bucket: upload originals under uploads_prefix."
  value       = module.storage.bucket_name
}

output "bucket_arn" {
  description = "ARN of the image bucket."
  value       = module.storage.bucket_arn
}

output "uploads_prefix" {
  description = "Key prefix under which uploads are processed."
  value       = module.contract.uploads_prefix
}

output "thumbnails_prefix" {
  description = "Key prefix under which thumbnails appear."
  value       = module.contract.thumbnails_prefix
}

output "table_name" {
  description = "Name of the metadata table."
  value       = module.storage.table_name
}

output "table_arn" {
  description = "ARN of the metadata table."
  value       = module.storage.table_arn
}

output "status_index_name" {
  description = "Name of the metadata table's index over record status."
  value       = module.storage.status_index_name
}

output "function_name" {
  description = "Name of the processor function."
  value       = module.processing.function_name
}

output "function_arn" {
  description = "ARN of the processor function."
  value       = module.processing.function_arn
}

output "log_group_name" {
  description = "Log group of the processor function."
  value       = module.processing.log_group_name
}

output "dlq_name" {
  description = "Name of the dead-letter queue of failed events."
  value       = module.processing.dlq_name
}

output "dlq_url" {
  description = "URL of the dead-letter queue."
  value       = module.processing.dlq_url
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = module.processing.dlq_arn
}

output "ingestion" {
  description = "How uploads reach the function: \"direct\" or \"sqs\" (the imgpipe CLI's redrive reads it)."
  value       = module.processing.ingestion
}

output "ingest_queue_url" {
  description = "URL of the ingest queue (ingestion \"sqs\"), or null."
  value       = module.processing.ingest_queue_url
}

output "ingest_queue_arn" {
  description = "ARN of the ingest queue (ingestion \"sqs\"), or null."
  value       = module.processing.ingest_queue_arn
}

output "event_bus_name" {
  description = "Name of the bus the outcome events (Image Processed, Image Failed, Image Deleted; source imgpipe) are put on."
  value       = module.events.event_bus_name
}

output "event_bus_arn" {
  description = "ARN of the outcome events' bus."
  value       = module.events.event_bus_arn
}

output "events_dlq_name" {
  description = "Name of the events pipe's dead-letter queue of undelivered stream batches."
  value       = module.events.dlq_name
}

output "sns_topic_arn" {
  description = "ARN of the alarm topic."
  value       = module.monitoring.sns_topic_arn
}

output "alarm_names" {
  description = "Names of the environment's alarms (those of modules/monitoring: eight, two of the events pipe, and two of the ingest queue with ingestion \"sqs\")."
  value       = module.monitoring.alarm_names
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = module.monitoring.dashboard_name
}

output "dashboard_url" {
  description = "Console URL of the CloudWatch dashboard."
  value       = module.monitoring.dashboard_url
}

output "batch_operations_role_arn" {
  description = "ARN of the role S3 Batch Operations assumes for `imgpipe backfill --engine batch`, or null unless create_batch_operations_role."
  value       = module.processing.batch_operations_role_arn
}

output "operator_policy_json" {
  description = "IAM policy document (JSON) with what the imgpipe CLI needs against this environment."
  value       = module.processing.operator_policy_json
}
