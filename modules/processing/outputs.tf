output "function_name" {
  description = "Name of the processor function."
  value       = aws_lambda_function.processor.function_name
}

output "function_arn" {
  description = "ARN of the processor function."
  value       = aws_lambda_function.processor.arn
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.processor.arn
}

output "log_group_name" {
  description = "Name of the function's log group."
  value       = aws_cloudwatch_log_group.processor.name
}

output "dlq_name" {
  description = "Name of the dead-letter queue: asynchronous invocations that failed every retry (ingestion \"direct\"), and ingest-queue messages received ingest_max_receive_count times (ingestion \"sqs\")."
  value       = aws_sqs_queue.dlq.name
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "dlq_url" {
  description = "URL of the dead-letter queue."
  value       = aws_sqs_queue.dlq.url
}

output "function_timeout_seconds" {
  description = "Timeout of the function in seconds (for the monitoring module)."
  value       = aws_lambda_function.processor.timeout
}

output "role_permissions_boundary" {
  description = "ARN of the permissions boundary of the function's role, or null."
  value       = aws_iam_role.processor.permissions_boundary
}

output "code_source" {
  description = "Where the function's code comes from: the local zip's path, or s3://<bucket>/<key>[?versionId=<version>]."
  value = (var.lambda_package_s3 == null ? var.lambda_package_path :
  "s3://${var.lambda_package_s3.bucket}/${var.lambda_package_s3.key}${var.lambda_package_s3.object_version == null ? "" : "?versionId=${var.lambda_package_s3.object_version}"}")
}

output "batch_operations_role_arn" {
  description = "ARN of the role S3 Batch Operations assumes for `imgpipe backfill --engine batch`, or null unless create_batch_operations_role."
  value       = var.create_batch_operations_role ? aws_iam_role.batch_operations[0].arn : null
}

output "operator_policy_json" {
  description = "IAM policy document (JSON) with exactly what the imgpipe CLI needs against this environment: attach it to the operator's role or CI user (docs/operations.md)."
  value       = data.aws_iam_policy_document.operator.json
}

output "ingestion" {
  description = "How uploads reach the function: \"direct\" or \"sqs\" (the input ingestion)."
  value       = var.ingestion
}

output "ingest_queue_name" {
  description = "Name of the ingest queue the bucket notifies (ingestion \"sqs\"), or null."
  value       = local.sqs ? aws_sqs_queue.ingest[0].name : null
}

output "ingest_queue_arn" {
  description = "ARN of the ingest queue (ingestion \"sqs\"), or null."
  value       = local.sqs ? aws_sqs_queue.ingest[0].arn : null
}

output "ingest_queue_url" {
  description = "URL of the ingest queue (ingestion \"sqs\"), or null. `imgpipe redrive` moves dead-letter messages back to it."
  value       = local.sqs ? aws_sqs_queue.ingest[0].url : null
}

output "event_source_mapping_uuid" {
  description = "UUID of the ingest queue's event source mapping (ingestion \"sqs\"), or null. Disable it to pause processing without losing uploads."
  value       = local.sqs ? aws_lambda_event_source_mapping.ingest[0].uuid : null
}
