# Tuning inputs default to null: the modules then apply their own defaults
# (which a Go test keeps equal to internal/contract's).

variable "environment" {
  description = "Environment name (dev, prod, test-ab12cd...): part of every resource name and tagged as Environment. Lowercase letters, digits and hyphens, 2 to 16 characters."
  type        = string
}

variable "aws_region" {
  description = "AWS region of the environment."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must be an AWS region code such as eu-west-1."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name: \"<name_prefix>-<environment>-...\"."
  type        = string
  default     = "imgpipe"
}

variable "tags" {
  description = "Extra tags for every resource (Project, Environment and ManagedBy are always set)."
  type        = map(string)
  default     = {}
}

variable "bucket_name" {
  description = "Name of the image bucket. Null derives \"<name_prefix>-<environment>-images-<account id>\"."
  type        = string
  default     = null
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete the bucket with its objects, and (unless deletion_protection is set) the table. For disposable environments only."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "DynamoDB deletion protection on the metadata table. Null: on unless force_destroy is true."
  type        = bool
  default     = null
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the bucket and the table. Null: SSE-S3 and the AWS-managed DynamoDB key."
  type        = string
  default     = null
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which noncurrent object versions are deleted (null: module default)."
  type        = number
  default     = null
}

variable "abort_incomplete_multipart_days" {
  description = "Days after which incomplete multipart uploads are aborted (null: module default)."
  type        = number
  default     = null
}

variable "deleted_record_ttl_days" {
  description = "Days a DELETED record (of a deleted upload) is kept before DynamoDB's TTL removes it, 0 to 3650. Null: DELETED records are kept, and the table has no TTL."
  type        = number
  default     = null
}

variable "event_bus_arn" {
  description = "Existing EventBridge bus (same account and region) for the outcome events. Null: the events module creates \"<name_prefix>-<environment>-events\"."
  type        = string
  default     = null
}

variable "events_package_path" {
  description = "Path of the events enrichment package built by `make package`, relative to this folder."
  type        = string
  default     = "../dist/events.zip"
}

variable "events_package_hash" {
  description = "Base64 SHA-256 of the events package. Null computes it from events_package_path."
  type        = string
  default     = null
}

variable "lambda_package_path" {
  description = "Path of the Lambda package built by `make package`, relative to this folder."
  type        = string
  default     = "../dist/processor.zip"
}

variable "lambda_package_s3" {
  description = "A released package in S3 instead of lambda_package_path (bucket, key, optional object_version; see the processing module). Null: the local zip."
  type = object({
    bucket         = string
    key            = string
    object_version = optional(string)
  })
  default = null
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary of every role the stack creates (the function's, the events pipe's and its enrichment's; a managed policy ARN). Null: none. The integration tests pass test/ci-boundary-policy.json's."
  type        = string
  default     = null
}

variable "lambda_package_hash" {
  description = "Base64 SHA-256 of the package. Null computes it from lambda_package_path."
  type        = string
  default     = null
}

variable "memory_size" {
  description = "Memory of the function in MB, 128 to 10240 (null: module default)."
  type        = number
  default     = null
}

variable "timeout" {
  description = "Timeout of the function in seconds, 1 to 900 (null: module default)."
  type        = number
  default     = null
}

variable "reserved_concurrency" {
  description = "Reserved concurrency of the function. Null: unreserved."
  type        = number
  default     = null
}

variable "log_retention_days" {
  description = "Retention of the function's logs in days, a value CloudWatch Logs accepts (null: module default)."
  type        = number
  default     = null
}

variable "log_kms_key_arn" {
  description = "KMS key for the function's log group. Null: CloudWatch Logs' own encryption."
  type        = string
  default     = null
}

variable "log_level" {
  description = "Log level of the function: DEBUG, INFO, WARN or ERROR (null: module default)."
  type        = string
  default     = null
}

variable "thumbnail_sizes" {
  description = "Longest edge, in pixels, of each thumbnail (null: module default)."
  type        = list(number)
  default     = null
}

variable "jpeg_quality" {
  description = "JPEG quality of the thumbnails, 1 to 100 (null: module default)."
  type        = number
  default     = null
}

variable "max_image_bytes" {
  description = "Largest original processed, in bytes (null: module default)."
  type        = number
  default     = null
}

variable "max_image_pixels" {
  description = "Most pixels of an original decoded (null: module default)."
  type        = number
  default     = null
}

variable "record_concurrency" {
  description = "S3 event records of one invocation processed at once (null: module default)."
  type        = number
  default     = null
}

variable "maximum_retry_attempts" {
  description = "Retries of a failed asynchronous invocation, 0 to 2 (null: module default)."
  type        = number
  default     = null
}

variable "maximum_event_age_seconds" {
  description = "Maximum age of an asynchronous event, 60 to 21600 seconds (null: module default)."
  type        = number
  default     = null
}

variable "ingestion" {
  description = "How uploads reach the function: \"sqs\" (an ingest queue and an event source mapping) or \"direct\" (S3 invokes it). Null: the processing module's default, sqs (docs/ingestion.md)."
  type        = string
  default     = null
}

variable "ingest_batch_size" {
  description = "Ingest-queue messages per invocation, 1 to 10000 (null: module default)."
  type        = number
  default     = null
}

variable "ingest_batching_window_seconds" {
  description = "Longest the event source mapping gathers a batch, 0 to 300 seconds (null: module default)."
  type        = number
  default     = null
}

variable "ingest_maximum_concurrency" {
  description = "Most concurrent invocations from the ingest queue, 2 to 1000, at most reserved_concurrency when that is set (null: module default)."
  type        = number
  default     = null
}

variable "ingest_max_receive_count" {
  description = "Receives of an ingest-queue message before it goes to the dead-letter queue (null: module default)."
  type        = number
  default     = null
}

variable "ingest_queue_age_threshold_seconds" {
  description = "Age of the ingest queue's oldest message, in seconds, above which its alarm fires (null: module default)."
  type        = number
  default     = null
}

variable "create_batch_operations_role" {
  description = "Create the role S3 Batch Operations assumes for `imgpipe backfill --engine batch` (processing module)."
  type        = bool
  default     = false
}

variable "alarm_emails" {
  description = "Email addresses notified of alarms (each must confirm its subscription)."
  type        = list(string)
  default     = []
}

variable "alarm_kms_key_arn" {
  description = "KMS key for the alarm topic (its policy must allow cloudwatch.amazonaws.com). Null: the monitoring module creates one."
  type        = string
  default     = null
}
