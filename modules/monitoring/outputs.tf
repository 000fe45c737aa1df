output "sns_topic_arn" {
  description = "ARN of the alarm topic."
  value       = aws_sns_topic.alarms.arn
}

output "alarm_names" {
  description = "Names of every alarm of the module, sorted: <name_prefix>-<environment>- followed by async-event-age, async-events-dropped, destination-delivery-failures, dlq-messages-visible, lambda-duration-p95, lambda-errors, lambda-throttles, processing-errors; with events_pipe_name also events-dlq-messages-visible and events-pipe-failed; with ingest_queue_name also ingest-queue-age and ingest-queue-depth."
  value       = [for k in sort(keys(aws_cloudwatch_metric_alarm.this)) : aws_cloudwatch_metric_alarm.this[k].alarm_name]
}

output "alarm_arns" {
  description = "ARNs of every alarm of the module, in the order of alarm_names."
  value       = [for k in sort(keys(aws_cloudwatch_metric_alarm.this)) : aws_cloudwatch_metric_alarm.this[k].arn]
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.pipeline.dashboard_name
}

output "dashboard_url" {
  description = "Console URL of the dashboard."
  value       = "https://${local.region}.console.aws.amazon.com/cloudwatch/home?region=${local.region}#dashboards/dashboard/${aws_cloudwatch_dashboard.pipeline.dashboard_name}"
}
