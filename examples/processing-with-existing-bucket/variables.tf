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

variable "data_kms_key_arn" {
  description = "ARN of the customer-managed KMS key encrypting the existing bucket and table, or null when they use AWS keys. Without it the function cannot read or write data encrypted with such a key."
  type        = string
  default     = null

  validation {
    condition     = var.data_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.data_kms_key_arn))
    error_message = "data_kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>), or null."
  }
}
