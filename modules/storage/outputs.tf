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

output "status_index_name" {
  description = "Name of the table's global secondary index over record status."
  value       = module.contract.status_index_name
}
