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
  description = "Environment name (e.g. dev, prod, test-ab12cd): part of every resource name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,14}[a-z0-9]$", var.environment))
    error_message = "environment must be 2 to 16 characters of lowercase letters, digits and hyphens, start with a letter and not end with a hyphen."
  }
}

variable "table_stream_arn" {
  description = "ARN of the metadata table's stream (the storage module's table_stream_arn; view type NEW_AND_OLD_IMAGES)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[a-zA-Z0-9_.-]{3,255}/stream/.+$", var.table_stream_arn))
    error_message = "table_stream_arn must be a DynamoDB stream ARN (arn:<partition>:dynamodb:<region>:<account>:table/<name>/stream/<label>)."
  }
}

variable "table_kms_key_arn" {
  description = "ARN of the customer-managed KMS key encrypting the table (and so its stream), or null when it uses the AWS-managed key. The pipe may use it only to decrypt, through DynamoDB."
  type        = string
  default     = null

  validation {
    condition     = var.table_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.table_kms_key_arn))
    error_message = "table_kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>), or null."
  }
}

variable "event_bus_arn" {
  description = "ARN of an existing event bus (same account and region) to put the events on. Null: the module creates the bus \"<name_prefix>-<environment>-events\"."
  type        = string
  default     = null

  validation {
    condition     = var.event_bus_arn == null || can(regex("^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._-]{1,256}$", var.event_bus_arn))
    error_message = "event_bus_arn must be an EventBridge event bus ARN (arn:<partition>:events:<region>:<account>:event-bus/<name>), or null."
  }
}

variable "enrichment_package_path" {
  description = "Path of the events enrichment package (a zip holding the arm64 `bootstrap` of lambda/cmd/events), as built by `make package`."
  type        = string

  validation {
    condition     = endswith(var.enrichment_package_path, ".zip")
    error_message = "enrichment_package_path must name a .zip file."
  }
}

variable "enrichment_package_hash" {
  description = "Base64-encoded SHA-256 of the enrichment package. Null computes it from enrichment_package_path."
  type        = string
  default     = null

  validation {
    condition     = var.enrichment_package_hash == null || can(regex("^[A-Za-z0-9+/]{43}=$", var.enrichment_package_hash))
    error_message = "enrichment_package_hash must be a base64-encoded SHA-256 (44 characters ending in '='), or null."
  }
}

variable "permissions_boundary_arn" {
  description = "ARN of a managed policy set as the permissions boundary of the pipe's and the enrichment's roles, or null for none. Needed where roles may only be created with a boundary, as for the integration tests' CI role (test/ci-boundary-policy.json); the boundary must allow the roles' statements."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/[A-Za-z0-9+=,.@_/-]+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM managed policy ARN (arn:<partition>:iam::<account>:policy/<name>), or null."
  }
}

variable "maximum_retry_attempts" {
  description = "Retries of a stream batch the pipe could not deliver (enrichment or bus failure) before it goes to the dead-letter queue. Failing batches are halved (AUTOMATIC_BISECT) so one bad record does not hold the others."
  type        = number
  default     = 100
  nullable    = false

  validation {
    condition     = var.maximum_retry_attempts >= 0 && var.maximum_retry_attempts <= 10000 && floor(var.maximum_retry_attempts) == var.maximum_retry_attempts
    error_message = "maximum_retry_attempts must be a whole number from 0 to 10000 (Pipes' range; infinite retries would let one bad record stall its shard)."
  }
}

variable "maximum_record_age_seconds" {
  description = "Oldest a stream record may get while the pipe retries it before it goes to the dead-letter queue. The stream keeps records 24 hours: the age must stay under that, so a record is parked before it expires."
  type        = number
  default     = 21600
  nullable    = false

  validation {
    condition     = var.maximum_record_age_seconds >= 60 && var.maximum_record_age_seconds <= 82800 && floor(var.maximum_record_age_seconds) == var.maximum_record_age_seconds
    error_message = "maximum_record_age_seconds must be a whole number from 60 to 82800 (23 hours: under the stream's 24-hour retention)."
  }
}

variable "log_retention_days" {
  description = "Retention of the enrichment function's log group in days."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "log_kms_key_arn" {
  description = "ARN of a KMS key encrypting the enrichment's log group (its key policy must allow logs.<region>.amazonaws.com). Null: CloudWatch Logs' own encryption."
  type        = string
  default     = null

  validation {
    condition     = var.log_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>), or null."
  }
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
  nullable    = false
}
