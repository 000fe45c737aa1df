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

variable "function_name" {
  description = "Name of the processor function to watch."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be a Lambda function name: 1 to 64 letters, digits, '-' and '_'."
  }
}

variable "function_timeout_seconds" {
  description = "Timeout of the function in seconds; the duration alarm fires when p95 nears it."
  type        = number

  validation {
    condition     = var.function_timeout_seconds >= 1 && var.function_timeout_seconds <= 900 && floor(var.function_timeout_seconds) == var.function_timeout_seconds
    error_message = "function_timeout_seconds must be a whole number from 1 to 900."
  }
}

variable "dlq_name" {
  description = "Name of the function's dead-letter queue."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,80}$", var.dlq_name))
    error_message = "dlq_name must be an SQS queue name: 1 to 80 letters, digits, '-' and '_'."
  }
}

variable "ingest_queue_name" {
  description = "Name of the ingest queue (modules/processing's ingest_queue_name with ingestion \"sqs\"), or null: with a queue the module adds the ingest-queue-age and ingest-queue-depth alarms and the queue's dashboard widgets."
  type        = string
  default     = null

  validation {
    condition     = var.ingest_queue_name == null || can(regex("^[a-zA-Z0-9_-]{1,80}$", var.ingest_queue_name))
    error_message = "ingest_queue_name must be an SQS queue name (1 to 80 letters, digits, '-' and '_'), or null."
  }
}

variable "ingest_queue_age_threshold_seconds" {
  description = "Age, in seconds, of the ingest queue's oldest message above which the ingest-queue-age alarm fires: uploads wait that long for their thumbnails (a backlog the mapping's concurrency does not drain, or messages failing and returning)."
  type        = number
  default     = 300
  nullable    = false

  validation {
    condition     = var.ingest_queue_age_threshold_seconds >= 60 && var.ingest_queue_age_threshold_seconds <= 1209600 && floor(var.ingest_queue_age_threshold_seconds) == var.ingest_queue_age_threshold_seconds
    error_message = "ingest_queue_age_threshold_seconds must be a whole number from 60 to 1209600."
  }
}

variable "ingest_queue_depth_threshold" {
  description = "Visible ingest-queue messages above which, for two 5-minute periods in a row, the ingest-queue-depth alarm fires. docs/capacity.md relates depth to drain time (depth / uploads per second the mapping sustains)."
  type        = number
  default     = 10000
  nullable    = false

  validation {
    condition     = var.ingest_queue_depth_threshold >= 1 && floor(var.ingest_queue_depth_threshold) == var.ingest_queue_depth_threshold
    error_message = "ingest_queue_depth_threshold must be a whole number, 1 or more."
  }
}

variable "table_name" {
  description = "Name of the metadata table (dashboard)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.table_name))
    error_message = "table_name must be 3 to 255 characters of letters, digits, '_', '-' and '.'."
  }
}

variable "bucket_name" {
  description = "Name of the image bucket (dashboard)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens)."
  }
}

variable "events_pipe_name" {
  description = "Name of the events module's pipe (its pipe_name output), or null without outcome events. Set it with events_dlq_name: alarms on the pipe's failed executions and on its dead-letter queue."
  type        = string
  default     = null

  validation {
    condition     = var.events_pipe_name == null || can(regex("^[.\\-_A-Za-z0-9]{1,64}$", var.events_pipe_name))
    error_message = "events_pipe_name must be a pipe name (1 to 64 letters, digits, '.', '-' and '_'), or null."
  }
}

variable "events_dlq_name" {
  description = "Name of the events pipe's dead-letter queue (the events module's dlq_name output); required with events_pipe_name."
  type        = string
  default     = null

  validation {
    condition     = var.events_dlq_name == null || can(regex("^[a-zA-Z0-9_-]{1,80}$", var.events_dlq_name))
    error_message = "events_dlq_name must be an SQS queue name: 1 to 80 letters, digits, '-' and '_'."
  }
}

variable "alarm_emails" {
  description = "Email addresses subscribed to the alarm topic (each must confirm the subscription)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for e in var.alarm_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "alarm_emails must hold email addresses only (name@domain.tld)."
  }
}

variable "kms_key_arn" {
  description = "ARN of a customer-managed KMS key for the alarm topic; its key policy must let cloudwatch.amazonaws.com use kms:Decrypt and kms:GenerateDataKey*. Null creates such a key (the AWS-managed aws/sns key cannot be used: alarms could not publish)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>), or null."
  }
}

variable "duration_alarm_ratio" {
  description = "Fraction of the timeout that p95 duration must exceed to alarm."
  type        = number
  default     = 0.8
  nullable    = false

  validation {
    condition     = var.duration_alarm_ratio > 0 && var.duration_alarm_ratio < 1
    error_message = "duration_alarm_ratio must be greater than 0 and less than 1."
  }
}

variable "async_event_age_threshold_seconds" {
  description = "Age, in seconds, of the oldest event reaching the function above which the async-event-age alarm fires (retries are spaced minutes apart)."
  type        = number
  default     = 600
  nullable    = false

  validation {
    condition     = var.async_event_age_threshold_seconds >= 60 && var.async_event_age_threshold_seconds <= 21600
    error_message = "async_event_age_threshold_seconds must be from 60 to 21600."
  }
}

variable "processing_errors_threshold" {
  description = "Images failed permanently (the pipeline's ProcessingErrors metric) in 5 minutes above which the alarm fires. 0 alarms on the first one."
  type        = number
  default     = 0
  nullable    = false

  validation {
    condition     = var.processing_errors_threshold >= 0 && floor(var.processing_errors_threshold) == var.processing_errors_threshold
    error_message = "processing_errors_threshold must be a whole number, 0 or more."
  }
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
  nullable    = false
}
