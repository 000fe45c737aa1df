output "bucket_name" {
  description = "Name of the image bucket."
  value       = module.storage.bucket_name
}

output "table_name" {
  description = "Name of the metadata table."
  value       = module.storage.table_name
}
