output "event_bus_name" {
  description = "Name of the bus the outcome events are put on."
  value       = local.bus_name
}

output "event_bus_arn" {
  description = "ARN of the bus the outcome events are put on."
  value       = local.bus_arn
}

output "event_source" {
  description = "The source of every outcome event (match it in a rule's event pattern)."
  value       = module.contract.event_source
}

output "event_detail_types" {
  description = "The detail-type of the outcome events: processed, failed, deleted."
  value       = module.contract.event_detail_types
}

output "pipe_name" {
  description = "Name of the pipe (for the monitoring module's events alarms). Known at plan time."
  value       = local.pipe_name
}

output "pipe_arn" {
  description = "ARN of the pipe."
  value       = aws_pipes_pipe.outcomes.arn
}

output "dlq_name" {
  description = "Name of the pipe's dead-letter queue of undelivered stream batches. Known at plan time."
  value       = local.dlq_name
}

output "dlq_arn" {
  description = "ARN of the pipe's dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "enrichment_function_name" {
  description = "Name of the enrichment function."
  value       = aws_lambda_function.enrichment.function_name
}

output "pipe_role_arn" {
  description = "ARN of the pipe's execution role."
  value       = aws_iam_role.pipe.arn
}
