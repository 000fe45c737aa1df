# imgpipe root stack: one environment of the image pipeline.

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge(var.tags, {
      Project     = "imgpipe"
      Environment = var.environment
      ManagedBy   = "terraform"
    })
  }
}

module "contract" {
  source = "../modules/contract"
}

module "storage" {
  source = "../modules/storage"

  name_prefix                        = var.name_prefix
  environment                        = var.environment
  bucket_name                        = var.bucket_name
  force_destroy                      = var.force_destroy
  kms_key_arn                        = var.kms_key_arn
  noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
  abort_incomplete_multipart_days    = var.abort_incomplete_multipart_days
  # An environment whose data may be destroyed needs no deletion protection.
  deletion_protection = var.deletion_protection != null ? var.deletion_protection : !var.force_destroy
  # DELETED records expire only when a retention is given.
  ttl_enabled = coalesce(var.deleted_record_ttl_days, 0) > 0
}

module "processing" {
  source = "../modules/processing"

  name_prefix               = var.name_prefix
  environment               = var.environment
  bucket_name               = module.storage.bucket_name
  bucket_arn                = module.storage.bucket_arn
  table_name                = module.storage.table_name
  table_arn                 = module.storage.table_arn
  data_kms_key_arn          = var.kms_key_arn
  lambda_package_path       = var.lambda_package_s3 == null ? var.lambda_package_path : null
  lambda_package_s3         = var.lambda_package_s3
  lambda_package_hash       = var.lambda_package_hash
  permissions_boundary_arn  = var.permissions_boundary_arn
  memory_size               = var.memory_size
  timeout                   = var.timeout
  reserved_concurrency      = var.reserved_concurrency
  log_retention_days        = var.log_retention_days
  log_kms_key_arn           = var.log_kms_key_arn
  log_level                 = var.log_level
  thumbnail_sizes           = var.thumbnail_sizes
  jpeg_quality              = var.jpeg_quality
  max_image_bytes           = var.max_image_bytes
  max_image_pixels          = var.max_image_pixels
  record_concurrency        = var.record_concurrency
  maximum_retry_attempts    = var.maximum_retry_attempts
  maximum_event_age_seconds = var.maximum_event_age_seconds
  deleted_record_ttl_days   = var.deleted_record_ttl_days

  ingestion                      = var.ingestion
  ingest_batch_size              = var.ingest_batch_size
  ingest_batching_window_seconds = var.ingest_batching_window_seconds
  ingest_maximum_concurrency     = var.ingest_maximum_concurrency
  ingest_max_receive_count       = var.ingest_max_receive_count

  create_batch_operations_role = var.create_batch_operations_role
}

module "events" {
  source = "../modules/events"

  name_prefix              = var.name_prefix
  environment              = var.environment
  table_stream_arn         = module.storage.table_stream_arn
  table_kms_key_arn        = var.kms_key_arn
  event_bus_arn            = var.event_bus_arn
  enrichment_package_path  = var.events_package_path
  enrichment_package_hash  = var.events_package_hash
  permissions_boundary_arn = var.permissions_boundary_arn
  log_retention_days       = var.log_retention_days
  log_kms_key_arn          = var.log_kms_key_arn
}

module "monitoring" {
  source = "../modules/monitoring"

  name_prefix              = var.name_prefix
  environment              = var.environment
  function_name            = module.processing.function_name
  function_timeout_seconds = module.processing.function_timeout_seconds
  dlq_name                 = module.processing.dlq_name
  events_pipe_name         = module.events.pipe_name
  events_dlq_name          = module.events.dlq_name
  ingest_queue_name        = module.processing.ingest_queue_name
  table_name               = module.storage.table_name
  bucket_name              = module.storage.bucket_name
  alarm_emails             = var.alarm_emails
  kms_key_arn              = var.alarm_kms_key_arn

  ingest_queue_age_threshold_seconds = var.ingest_queue_age_threshold_seconds
}

# Production alarms must reach somebody: refuse to plan prod without an
# address to notify (a cross-variable rule, so a precondition rather than a
# variable validation, which needs Terraform 1.9 for that).
resource "terraform_data" "prod_alarms_reach_somebody" {
  lifecycle {
    precondition {
      condition     = var.environment != "prod" || length(var.alarm_emails) > 0
      error_message = "alarm_emails is empty: environment \"prod\" needs at least one on-call address in alarm_emails (set it in environments/prod.tfvars), or its alarms notify nobody."
    }
  }
}
