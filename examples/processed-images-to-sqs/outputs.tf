output "queue_url" {
  description = "URL of the queue receiving Image Processed events."
  value       = aws_sqs_queue.processed.url
}

output "queue_arn" {
  description = "ARN of the queue."
  value       = aws_sqs_queue.processed.arn
}

output "rule_arn" {
  description = "ARN of the rule subscribing the queue."
  value       = aws_cloudwatch_event_rule.processed.arn
}
