# Image bucket and metadata table of one imgpipe environment.

module "contract" {
  source = "../contract"
}

data "aws_caller_identity" "current" {}

locals {
  name        = "${var.name_prefix}-${var.environment}"
  bucket_name = var.bucket_name != null ? var.bucket_name : "${local.name}-images-${data.aws_caller_identity.current.account_id}"
  table_name  = "${local.name}-metadata"

  # Any request without TLS, or with TLS older than 1.2, is refused.
  transport_denials = {
    DenyInsecureTransport = { test = "Bool", variable = "aws:SecureTransport", values = ["false"] }
    DenyOutdatedTLS       = { test = "NumericLessThan", variable = "s3:TlsVersion", values = ["1.2"] }
  }
}

# ---------------------------------------------------------------- S3 bucket

# Server access logging needs a second bucket that this module does not own
# (an organisation's central log bucket); use CloudTrail S3 data events for
# an audit trail of object access.
#tfsec:ignore:aws-s3-enable-bucket-logging
resource "aws_s3_bucket" "images" {
  bucket        = local.bucket_name
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_ownership_controls" "images" {
  bucket = aws_s3_bucket.images.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "images" {
  bucket                  = aws_s3_bucket.images.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "images" {
  bucket = aws_s3_bucket.images.id

  versioning_configuration {
    status = "Enabled"
  }
}

# SSE-S3 unless a customer-managed key is given (SSE-KMS with a bucket key).
resource "aws_s3_bucket_server_side_encryption_configuration" "images" {
  bucket = aws_s3_bucket.images.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "images" {
  bucket = aws_s3_bucket.images.id

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"

    # An empty filter: every object. Provider 5.90+ and 6.x warn that a rule
    # without filter or prefix will become an error.
    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    # Once its noncurrent versions have expired, a delete marker is alone:
    # remove it too.
    expiration {
      expired_object_delete_marker = true
    }
  }

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_days
    }
  }

  # Noncurrent-version rules need versioning in place first.
  depends_on = [aws_s3_bucket_versioning.images]
}

# Deny-only bucket policy (local.transport_denials): access itself is granted
# by IAM (the function's role).
data "aws_iam_policy_document" "bucket" {
  dynamic "statement" {
    for_each = local.transport_denials
    content {
      sid     = statement.key
      effect  = "Deny"
      actions = ["s3:*"]
      resources = [
        aws_s3_bucket.images.arn,
        "${aws_s3_bucket.images.arn}/*",
      ]

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = statement.value.test
        variable = statement.value.variable
        values   = statement.value.values
      }
    }
  }
}

resource "aws_s3_bucket_policy" "images" {
  bucket = aws_s3_bucket.images.id
  policy = data.aws_iam_policy_document.bucket.json

  # With BlockPublicPolicy on, S3 must have the block in place before it
  # evaluates this (deny-only) policy.
  depends_on = [aws_s3_bucket_public_access_block.images]
}

# ----------------------------------------------------------- DynamoDB table

# Without kms_key_arn the table uses the AWS-managed key (SSE is always on);
# a customer-managed key is optional by design, so tfsec's customer-key check
# is ignored.
#tfsec:ignore:aws-dynamodb-table-customer-key
resource "aws_dynamodb_table" "metadata" {
  name                        = local.table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = module.contract.table_hash_key
  range_key                   = module.contract.table_range_key
  deletion_protection_enabled = var.deletion_protection

  dynamic "attribute" {
    for_each = module.contract.table_attribute_types
    content {
      name = attribute.key
      type = attribute.value
    }
  }

  global_secondary_index {
    name            = module.contract.status_index_name
    hash_key        = module.contract.status_index_hash_key
    range_key       = module.contract.status_index_range_key
    projection_type = "ALL"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  # Every write is on the stream with both images: the outcome events
  # (modules/events) are derived from it. Always on: disabling a stream a
  # pipe reads leaves that pipe unusable (a re-enabled stream gets a new
  # ARN).
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  # DELETED records carry the contract's TTL attribute when the processor
  # is given a retention (deleted_record_ttl_days); no other record does.
  dynamic "ttl" {
    for_each = var.ttl_enabled ? [module.contract.table_ttl_attribute] : []
    content {
      attribute_name = ttl.value
      enabled        = true
    }
  }

  tags = var.tags
}
