variable "name_prefix" {
  description = "Prefix of every resource name; names are \"<name_prefix>-<environment>-...\"."
  type        = string
  default     = "imgpipe"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,14}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 2 to 16 characters of lowercase letters, digits and hyphens, start with a letter and not end with a hyphen."
  }
}

variable "environment" {
  description = "Environment name (e.g. dev, prod, test-ab12cd): part of every resource name and the Environment dimension of the pipeline's metrics."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,14}[a-z0-9]$", var.environment))
    error_message = "environment must be 2 to 16 characters of lowercase letters, digits and hyphens, start with a letter and not end with a hyphen."
  }
}

variable "bucket_name" {
  description = "Name of the image bucket whose uploads trigger the function. The module owns the bucket's notification configuration."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens)."
  }
}

variable "bucket_arn" {
  description = "ARN of the image bucket."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_arn))
    error_message = "bucket_arn must be an S3 bucket ARN (arn:<partition>:s3:::<bucket>)."
  }
}

variable "table_name" {
  description = "Name of the metadata table."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.table_name))
    error_message = "table_name must be 3 to 255 characters of letters, digits, '_', '-' and '.'."
  }
}

variable "table_arn" {
  description = "ARN of the metadata table."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[a-zA-Z0-9_.-]{3,255}$", var.table_arn))
    error_message = "table_arn must be a DynamoDB table ARN (arn:<partition>:dynamodb:<region>:<account>:table/<name>)."
  }
}

variable "data_kms_key_arn" {
  description = "ARN of the customer-managed KMS key encrypting the bucket and the table (storage module's kms_key_arn), or null when they use AWS keys. The function may use it only through S3 and DynamoDB."
  type        = string
  default     = null

  validation {
    condition     = var.data_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.data_kms_key_arn))
    error_message = "data_kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>), or null."
  }
}

variable "lambda_package_path" {
  description = "Path of the Lambda deployment package (a zip holding the arm64 `bootstrap`), as built by `make package`. Set this or lambda_package_s3, not both."
  type        = string
  default     = null

  validation {
    condition     = var.lambda_package_path == null || endswith(coalesce(var.lambda_package_path, "-"), ".zip")
    error_message = "lambda_package_path must name a .zip file."
  }
}

variable "lambda_package_s3" {
  description = "A released deployment package in S3 (`imgpipe-processor-<version>-linux-arm64.zip` from the release assets, uploaded to a bucket in the function's region): bucket, key and, for a versioned bucket, object_version. Set this or lambda_package_path, not both. The identity running Terraform needs s3:GetObject (and s3:GetObjectVersion) on it; the function's role does not."
  type = object({
    bucket         = string
    key            = string
    object_version = optional(string)
  })
  default = null

  validation {
    condition     = var.lambda_package_s3 == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.lambda_package_s3.bucket))
    error_message = "lambda_package_s3.bucket must be a valid S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens)."
  }
  validation {
    condition     = var.lambda_package_s3 == null || try(endswith(var.lambda_package_s3.key, ".zip") && length(var.lambda_package_s3.key) <= 1024 && !startswith(var.lambda_package_s3.key, "/"), false)
    error_message = "lambda_package_s3.key must be the key of a .zip object (at most 1024 characters, no leading '/')."
  }
  validation {
    condition     = var.lambda_package_s3 == null || try(length(var.lambda_package_s3.object_version), 1) > 0
    error_message = "lambda_package_s3.object_version must be a non-empty version id, or null (the object's current version)."
  }
}

variable "lambda_package_hash" {
  description = "Base64-encoded SHA-256 of the package (Terraform's source_code_hash: a change redeploys the code). Null computes it from lambda_package_path; with lambda_package_s3 null leaves it unset, so give object_version (or this hash) to redeploy when the object changes."
  type        = string
  default     = null

  validation {
    condition     = var.lambda_package_hash == null || can(regex("^[A-Za-z0-9+/]{43}=$", var.lambda_package_hash))
    error_message = "lambda_package_hash must be a base64-encoded SHA-256 (44 characters ending in '='), or null."
  }
}

variable "permissions_boundary_arn" {
  description = "ARN of a managed policy set as the permissions boundary of the function's role, or null for none. Needed where roles may only be created with a boundary, as for the integration tests' CI role (test/ci-boundary-policy.json); the boundary must allow the role's statements."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/[A-Za-z0-9+=,.@_/-]+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM managed policy ARN (arn:<partition>:iam::<account>:policy/<name>), or null."
  }
}

variable "memory_size" {
  description = "Memory of the function in MB (CPU scales with it)."
  type        = number
  default     = 1024
  nullable    = false

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB from 128 to 10240."
  }
}

variable "timeout" {
  description = "Timeout of one invocation in seconds."
  type        = number
  default     = 60
  nullable    = false

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds from 1 to 900."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions of the function. Null leaves it unreserved; 0 stops all invocations."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrency == null || (try(var.reserved_concurrency >= 0 && var.reserved_concurrency <= 1000 && floor(var.reserved_concurrency) == var.reserved_concurrency, false))
    error_message = "reserved_concurrency must be a whole number from 0 to 1000, or null."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's log group in days."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "log_kms_key_arn" {
  description = "ARN of a KMS key encrypting the log group (its key policy must allow logs.<region>.amazonaws.com). Null: CloudWatch Logs' own encryption."
  type        = string
  default     = null

  validation {
    condition     = var.log_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>), or null."
  }
}

variable "log_level" {
  # Generated from internal/contract (setting log_level) by `make generate`: edit it there.
  description = "Lowest level the function logs (its LOG_LEVEL): DEBUG, INFO, WARN or ERROR. EMF metric lines are always kept."
  type        = string
  default     = "INFO"
  nullable    = false

  validation {
    condition     = contains(["DEBUG", "INFO", "WARN", "ERROR"], var.log_level)
    error_message = "log_level must be one of DEBUG, INFO, WARN, ERROR."
  }
}

variable "thumbnail_sizes" {
  # Generated from internal/contract (setting thumbnail_sizes) by `make generate`: edit it there.
  description = "Longest edge, in pixels, of each thumbnail made per image."
  type        = list(number)
  default     = [256, 1024]
  nullable    = false

  validation {
    condition     = length(var.thumbnail_sizes) >= 1 && length(distinct(var.thumbnail_sizes)) <= 8 && alltrue([for s in var.thumbnail_sizes : s >= 16 && s <= 4096 && floor(s) == s])
    error_message = "thumbnail_sizes must hold 1 to 8 distinct whole numbers from 16 to 4096."
  }
}

variable "jpeg_quality" {
  # Generated from internal/contract (setting jpeg_quality) by `make generate`: edit it there.
  description = "JPEG quality of the thumbnails."
  type        = number
  default     = 82
  nullable    = false

  validation {
    condition     = var.jpeg_quality >= 1 && var.jpeg_quality <= 100 && floor(var.jpeg_quality) == var.jpeg_quality
    error_message = "jpeg_quality must be a whole number from 1 to 100."
  }
}

variable "max_image_bytes" {
  # Generated from internal/contract (setting max_image_bytes) by `make generate`: edit it there.
  description = "Largest original, in bytes, the function processes; a bigger one gets a FAILED record (too_large)."
  type        = number
  default     = 52428800
  nullable    = false

  validation {
    condition     = var.max_image_bytes >= 1 && var.max_image_bytes <= 1099511627776 && floor(var.max_image_bytes) == var.max_image_bytes
    error_message = "max_image_bytes must be a whole number from 1 to 1099511627776."
  }
}

variable "max_image_pixels" {
  # Generated from internal/contract (setting max_image_pixels) by `make generate`: edit it there.
  description = "Most pixels (width x height) of an original the function decodes; a bigger one gets a FAILED record (too_many_pixels)."
  type        = number
  default     = 50000000
  nullable    = false

  validation {
    condition     = var.max_image_pixels >= 1 && var.max_image_pixels <= 1099511627776 && floor(var.max_image_pixels) == var.max_image_pixels
    error_message = "max_image_pixels must be a whole number from 1 to 1099511627776."
  }
}

variable "record_concurrency" {
  # Generated from internal/contract (setting record_concurrency) by `make generate`: edit it there.
  description = "S3 event records of one invocation processed at once."
  type        = number
  default     = 4
  nullable    = false

  validation {
    condition     = var.record_concurrency >= 1 && var.record_concurrency <= 64 && floor(var.record_concurrency) == var.record_concurrency
    error_message = "record_concurrency must be a whole number from 1 to 64."
  }
}

variable "deleted_record_ttl_days" {
  # Generated from internal/contract (setting deleted_record_ttl_days) by `make generate`: edit it there.
  description = "Days a DELETED record is kept before the table's TTL removes it (the function sets the record's expiresAt attribute; the storage module's ttl_enabled must be on); 0 keeps DELETED records."
  type        = number
  default     = 0
  nullable    = false

  validation {
    condition     = var.deleted_record_ttl_days >= 0 && var.deleted_record_ttl_days <= 3650 && floor(var.deleted_record_ttl_days) == var.deleted_record_ttl_days
    error_message = "deleted_record_ttl_days must be a whole number from 0 to 3650."
  }
}

variable "maximum_retry_attempts" {
  description = "Retries of a failed asynchronous invocation before the event goes to the dead-letter queue."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = contains([0, 1, 2], var.maximum_retry_attempts)
    error_message = "maximum_retry_attempts must be 0, 1 or 2."
  }
}

variable "maximum_event_age_seconds" {
  description = "Oldest an asynchronous event may get, in seconds, before it goes to the dead-letter queue unprocessed."
  type        = number
  default     = 21600
  nullable    = false

  validation {
    condition     = var.maximum_event_age_seconds >= 60 && var.maximum_event_age_seconds <= 21600 && floor(var.maximum_event_age_seconds) == var.maximum_event_age_seconds
    error_message = "maximum_event_age_seconds must be a whole number from 60 to 21600."
  }
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "create_batch_operations_role" {
  description = "Create the IAM role S3 Batch Operations assumes for `imgpipe backfill --engine batch`: it may invoke this function, read job manifests under the bucket's batch-operations/manifests/ prefix (and in batch_operations_manifest_bucket_arns) and write completion reports under batch-operations/reports/. The operator policy (output operator_policy_json) then also allows creating and following such jobs."
  type        = bool
  default     = false
  nullable    = false
}

variable "batch_operations_manifest_bucket_arns" {
  description = "ARNs of further buckets holding S3 Inventory reports that the Batch Operations role may read as job manifests (`imgpipe backfill --engine batch --inventory`). Used only with create_batch_operations_role."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.batch_operations_manifest_bucket_arns : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", arn))])
    error_message = "batch_operations_manifest_bucket_arns must hold S3 bucket ARNs (arn:<partition>:s3:::<bucket>)."
  }
}

variable "thumbnail_formats" {
  # Generated from internal/contract (setting thumbnail_formats) by `make generate`: edit it there.
  description = "Formats every thumbnail size is written in, each once from the same pixels: jpeg (key .jpg, as always), webp, avif."
  type        = list(string)
  default     = ["jpeg"]
  nullable    = false

  validation {
    condition     = length(var.thumbnail_formats) >= 1 && length(var.thumbnail_formats) <= 3 && length(distinct(var.thumbnail_formats)) == length(var.thumbnail_formats) && alltrue([for s in var.thumbnail_formats : contains(["jpeg", "webp", "avif"], s)])
    error_message = "thumbnail_formats must hold 1 to 3 of jpeg, webp, avif, each at most once."
  }
}

variable "webp_quality" {
  # Generated from internal/contract (setting webp_quality) by `make generate`: edit it there.
  description = "Quality of the WebP thumbnails (libwebp's scale); the default matches the JPEG default's SSIM."
  type        = number
  default     = 72
  nullable    = false

  validation {
    condition     = var.webp_quality >= 1 && var.webp_quality <= 100 && floor(var.webp_quality) == var.webp_quality
    error_message = "webp_quality must be a whole number from 1 to 100."
  }
}

variable "avif_quality" {
  # Generated from internal/contract (setting avif_quality) by `make generate`: edit it there.
  description = "Quality of the AVIF thumbnails (libavif's scale); the default matches the JPEG default's SSIM."
  type        = number
  default     = 58
  nullable    = false

  validation {
    condition     = var.avif_quality >= 1 && var.avif_quality <= 100 && floor(var.avif_quality) == var.avif_quality
    error_message = "avif_quality must be a whole number from 1 to 100."
  }
}

variable "thumbnail_cache_control" {
  # Generated from internal/contract (setting thumbnail_cache_control) by `make generate`: edit it there.
  description = "Cache-Control header of every thumbnail object. Reprocessing rewrites the same keys, so keep max-age short enough for a fix to reach clients."
  type        = string
  default     = "public, max-age=86400"
  nullable    = false

  validation {
    condition     = can(regex("^(?:[ -~]{1,256})$", var.thumbnail_cache_control))
    error_message = "thumbnail_cache_control must be 1 to 256 printable ASCII characters (a Cache-Control header value)."
  }
}

variable "color_output" {
  # Generated from internal/contract (setting color_output) by `make generate`: edit it there.
  description = "srgb converts every thumbnail to sRGB; preserve keeps the source's colours and embeds its ICC profile (JPEG, WebP; AVIF is always sRGB)."
  type        = string
  default     = "srgb"
  nullable    = false

  validation {
    condition     = contains(["srgb", "preserve"], var.color_output)
    error_message = "color_output must be one of srgb, preserve."
  }
}

# ------------------------------------------------------------- ingestion

variable "ingestion" {
  description = "How S3's notifications of uploads reach the function: \"sqs\" (the bucket notifies an encrypted ingest queue; an event source mapping invokes the function with batches of it, at most ingest_maximum_concurrency at once, retrying only the failed messages and moving a message to the dead-letter queue after ingest_max_receive_count receives) or \"direct\" (S3 invokes the function asynchronously; failed events go to the dead-letter queue after maximum_retry_attempts). docs/ingestion.md says why sqs is the default."
  type        = string
  default     = "sqs"
  nullable    = false

  validation {
    condition     = contains(["direct", "sqs"], var.ingestion)
    error_message = "ingestion must be \"direct\" or \"sqs\"."
  }
}

variable "ingest_batch_size" {
  description = "Messages of the ingest queue per invocation (ingestion \"sqs\"). Above 10, ingest_batching_window_seconds must be at least 1."
  type        = number
  default     = 10
  nullable    = false

  validation {
    condition     = var.ingest_batch_size >= 1 && var.ingest_batch_size <= 10000 && floor(var.ingest_batch_size) == var.ingest_batch_size
    error_message = "ingest_batch_size must be a whole number from 1 to 10000."
  }
}

variable "ingest_batching_window_seconds" {
  description = "Longest the event source mapping gathers messages before invoking the function (ingestion \"sqs\"); 0 invokes as soon as messages arrive. It adds to the upload-to-thumbnail latency."
  type        = number
  default     = 0
  nullable    = false

  validation {
    condition     = var.ingest_batching_window_seconds >= 0 && var.ingest_batching_window_seconds <= 300 && floor(var.ingest_batching_window_seconds) == var.ingest_batching_window_seconds
    error_message = "ingest_batching_window_seconds must be a whole number of seconds from 0 to 300."
  }
}

variable "ingest_maximum_concurrency" {
  description = "Most concurrent invocations the ingest queue's event source mapping makes (ingestion \"sqs\"): it bounds the load on DynamoDB and S3 and the share of the account's concurrency a burst takes. Keep it at or under reserved_concurrency when that is set (a plan-time check does). docs/capacity.md relates it to uploads per second."
  type        = number
  default     = 50
  nullable    = false

  validation {
    condition     = var.ingest_maximum_concurrency >= 2 && var.ingest_maximum_concurrency <= 1000 && floor(var.ingest_maximum_concurrency) == var.ingest_maximum_concurrency
    error_message = "ingest_maximum_concurrency must be a whole number from 2 to 1000 (Lambda's range for an SQS event source)."
  }
}

variable "ingest_max_receive_count" {
  description = "Receives of one ingest-queue message before the queue moves it to the dead-letter queue (ingestion \"sqs\"): each failed invocation or reported batch item failure is one."
  type        = number
  default     = 5
  nullable    = false

  validation {
    condition     = var.ingest_max_receive_count >= 1 && var.ingest_max_receive_count <= 1000 && floor(var.ingest_max_receive_count) == var.ingest_max_receive_count
    error_message = "ingest_max_receive_count must be a whole number from 1 to 1000."
  }
}

variable "ingest_visibility_timeout_seconds" {
  description = "Visibility timeout of the ingest queue (ingestion \"sqs\"): how long a received message stays hidden, so also how long a failed batch waits before it is delivered again. Null: six times the function's timeout plus ingest_batching_window_seconds, the least AWS recommends (a plan-time check refuses less)."
  type        = number
  default     = null

  validation {
    condition     = var.ingest_visibility_timeout_seconds == null || try(var.ingest_visibility_timeout_seconds >= 0 && var.ingest_visibility_timeout_seconds <= 43200 && floor(var.ingest_visibility_timeout_seconds) == var.ingest_visibility_timeout_seconds, false)
    error_message = "ingest_visibility_timeout_seconds must be a whole number of seconds up to 43200 (12 hours), or null."
  }
}

variable "ingest_message_retention_seconds" {
  description = "How long the ingest queue keeps a message nobody handled (ingestion \"sqs\"). The dead-letter queue keeps messages 14 days, counted from when they first entered the ingest queue, so this must not exceed that."
  type        = number
  default     = 345600
  nullable    = false

  validation {
    condition     = var.ingest_message_retention_seconds >= 60 && var.ingest_message_retention_seconds <= 1209600 && floor(var.ingest_message_retention_seconds) == var.ingest_message_retention_seconds
    error_message = "ingest_message_retention_seconds must be a whole number of seconds from 60 to 1209600 (14 days)."
  }
}
