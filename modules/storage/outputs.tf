output "bucket_name" {
  description = "Name of the image bucket."
  value       = aws_s3_bucket.images.bucket
}

output "bucket_arn" {
  description = "ARN of the image bucket."
  value       = aws_s3_bucket.images.arn
}

output "table_name" {
  description = "Name of the metadata table."
  value       = aws_dynamodb_table.metadata.name
}

output "table_arn" {
  description = "ARN of the metadata table."
  value       = aws_dynamodb_table.metadata.arn
}

output "table_stream_arn" {
  description = "ARN of the metadata table's stream (NEW_AND_OLD_IMAGES), which the events module reads."
  value       = aws_dynamodb_table.metadata.stream_arn
}

output "table_ttl_attribute" {
  description = "Attribute the table's TTL is on (the contract's table_ttl_attribute), or null when TTL is off (ttl_enabled false)."
  value       = one([for t in aws_dynamodb_table.metadata.ttl : t.attribute_name if t.enabled])
}

output "status_index_name" {
  description = "Name of the table's global secondary index over record status."
  value       = module.contract.status_index_name
}
