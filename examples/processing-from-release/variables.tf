variable "aws_region" {
  description = "Region of the bucket, the table and the function (the package bucket must be in it too)."
  type        = string
}

variable "environment" {
  description = "Environment name, part of every resource name (e.g. sandbox)."
  type        = string
}

variable "bucket_name" {
  description = "Existing image bucket whose uploads/ the function processes."
  type        = string
}

variable "table_name" {
  description = "Existing metadata table with the contract's keys and StatusIndex."
  type        = string
}

variable "package_bucket" {
  description = "Bucket holding the released package, in aws_region."
  type        = string
}

variable "package_key" {
  description = "Key of the released package, e.g. imgpipe/imgpipe-processor-0.2.0-linux-arm64.zip."
  type        = string
}

variable "package_object_version" {
  description = "Version id of the package object (versioned bucket): a new upload then redeploys only when you change this. Null: the current version."
  type        = string
  default     = null
}
