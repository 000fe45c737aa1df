variable "aws_region" {
  description = "AWS region of the bucket and the table."
  type        = string
}

variable "environment" {
  description = "Environment name: lowercase letters, digits and hyphens."
  type        = string
}

variable "bucket_name" {
  description = "Name of the existing image bucket."
  type        = string
}

variable "table_name" {
  description = "Name of the existing metadata table (keys and index as in modules/contract)."
  type        = string
}

variable "lambda_package_path" {
  description = "Path of the package built by `make package`, relative to this folder."
  type        = string
  default     = "../../dist/processor.zip"
}
