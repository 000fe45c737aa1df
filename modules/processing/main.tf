# The image processor: Lambda function, its least-privilege role, log group,
# S3 trigger, asynchronous-invocation settings and dead-letter queue.

module "contract" {
  source = "../contract"
}

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

locals {
  name          = "${var.name_prefix}-${var.environment}"
  function_name = "${local.name}-processor"
  # The code is a local zip (lambda_package_path) or a released zip in S3
  # (lambda_package_s3), never both: the function's precondition says so.
  package_hash = (var.lambda_package_hash != null ? var.lambda_package_hash :
  var.lambda_package_path != null && var.lambda_package_s3 == null ? filebase64sha256(var.lambda_package_path) : null)
}

# ----------------------------------------------------------------- logging

# Created before the function (the function names it in logging_config), so
# Lambda never creates an unmanaged group without retention.
# Without log_kms_key_arn, CloudWatch Logs encrypts the group with its own
# keys; a customer-managed key is optional by design, so tfsec's
# customer-key check is ignored.
#tfsec:ignore:aws-cloudwatch-log-group-customer-key
resource "aws_cloudwatch_log_group" "processor" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

# ------------------------------------------------------- dead-letter queue

# Events that fail every retry, or grow older than maximum_event_age_seconds,
# land here with their original payload (a Lambda invocation record); with
# ingestion "sqs", the ingest queue's messages received
# ingest_max_receive_count times land here as they are (S3 notifications).
# SSE-SQS encrypts the queue at rest; a customer-managed key would also
# need kms grants for the function's role: not worth it for event envelopes.
#tfsec:ignore:aws-sqs-queue-encryption-use-cmk
resource "aws_sqs_queue" "dlq" {
  name                      = "${local.function_name}-dlq"
  message_retention_seconds = 1209600 # 14 days, the SQS maximum
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

# -------------------------------------------------------------------- IAM

data "aws_iam_policy_document" "assume" {
  statement {
    sid     = "LambdaAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "processor" {
  name                 = local.function_name
  description          = "Execution role of ${local.function_name}"
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

# Least privilege: each statement names the one resource it needs.
# s3:ListBucket (on the bucket, which holds no object data) is granted on
# purpose: without it S3 answers 403 instead of 404 for a key deleted before
# the function read it, and the function (lambda/awserr) classifies 404 as
# the version deleted (a DELETED record) but 403 as a transient defect that is
# retried and parked in the dead-letter queue. The cost is that the function
# may list key names. Deletes need the versions of one upload key
# (s3:ListBucketVersions, only for prefixes under the uploads prefix) and the
# records of one version (dynamodb:Query on the table's key, not its index).
# DynamoDB writes are conditional PutItems (a failed condition needs no
# further permission).
data "aws_iam_policy_document" "processor" {
  # Upload keys are chosen by uploaders: the wildcard covers the keys under
  # the uploads prefix of this one bucket, nothing else.
  statement {
    sid       = "ReadUploads"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${var.bucket_arn}/${module.contract.uploads_prefix}*"] #tfsec:ignore:aws-iam-no-policy-wildcards
  }

  statement {
    sid       = "TellMissingKeysApart"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]
  }

  # Thumbnail keys derive from upload keys: the wildcard covers the keys
  # under the thumbnails prefix of this one bucket, nothing else.
  statement {
    sid       = "WriteThumbnails"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["${var.bucket_arn}/${module.contract.thumbnails_prefix}*"] #tfsec:ignore:aws-iam-no-policy-wildcards
  }

  # Thumbnails are deleted when their upload is deleted, and those of sizes
  # no longer configured when a version is reprocessed (in the versioned
  # bucket a delete adds a delete marker; the lifecycle expires the old
  # version). Same wildcard scope as above: never an upload.
  statement {
    sid       = "DeleteThumbnails"
    effect    = "Allow"
    actions   = ["s3:DeleteObject"]
    resources = ["${var.bucket_arn}/${module.contract.thumbnails_prefix}*"] #tfsec:ignore:aws-iam-no-policy-wildcards
  }

  # A delete event names one version of one upload key: the function lists
  # that key's versions and delete markers to find the version a delete
  # marker hid and whether the key still has a current version. The listing
  # is bucket-level; the condition limits it to prefixes under the uploads
  # prefix (the function asks for the exact key).
  statement {
    sid       = "ListUploadVersions"
    effect    = "Allow"
    actions   = ["s3:ListBucketVersions"]
    resources = [var.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${module.contract.uploads_prefix}*"]
    }
  }

  statement {
    sid       = "WriteMetadata"
    effect    = "Allow"
    actions   = ["dynamodb:PutItem"]
    resources = [var.table_arn]
  }

  # The records of one version (Query on the table's hash key, never a
  # scan, never the index): a delete marks them DELETED, a create of a
  # version already deleted writes nothing.
  statement {
    sid       = "FindVersionRecords"
    effect    = "Allow"
    actions   = ["dynamodb:Query"]
    resources = [var.table_arn]
  }

  # Lambda names its log streams itself (date, version, instance id), so the
  # stream part of the ARN is a wildcard, inside this one log group only.
  statement {
    sid       = "WriteLogs"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.processor.arn}:*"] #tfsec:ignore:aws-iam-no-policy-wildcards
  }

  # X-Ray requires "*": PutTraceSegments and PutTelemetryRecords support no
  # resource-level permissions (see the Service Authorization Reference).
  statement {
    sid       = "WriteTraces"
    effect    = "Allow"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"] #tfsec:ignore:aws-iam-no-policy-wildcards
  }

  statement {
    sid       = "SendToDeadLetterQueue"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq.arn]
  }

  # Ingestion "sqs": what the event source mapping does with the function's
  # role on the ingest queue (ingestion.tf), and nothing more.
  dynamic "statement" {
    for_each = local.sqs ? [aws_sqs_queue.ingest[0].arn] : []
    content {
      sid       = "ConsumeIngestQueue"
      effect    = "Allow"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.data_kms_key_arn == null ? [] : [var.data_kms_key_arn]
    content {
      sid       = "UseDataKeyThroughS3AndDynamoDB"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values = [
          "s3.${data.aws_region.current.region}.amazonaws.com",
          "dynamodb.${data.aws_region.current.region}.amazonaws.com",
        ]
      }
    }
  }
}

resource "aws_iam_role_policy" "processor" {
  name   = "least-privilege"
  role   = aws_iam_role.processor.id
  policy = data.aws_iam_policy_document.processor.json
}

# ----------------------------------------------------------------- function

resource "aws_lambda_function" "processor" {
  function_name                  = local.function_name
  description                    = "imgpipe: thumbnails and metadata for images uploaded under ${module.contract.uploads_prefix}"
  role                           = aws_iam_role.processor.arn
  filename                       = var.lambda_package_path
  s3_bucket                      = try(var.lambda_package_s3.bucket, null)
  s3_key                         = try(var.lambda_package_s3.key, null)
  s3_object_version              = try(var.lambda_package_s3.object_version, null)
  source_code_hash               = local.package_hash
  runtime                        = "provided.al2023"
  architectures                  = ["arm64"]
  handler                        = "bootstrap"
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrency != null ? var.reserved_concurrency : -1

  environment {
    # Generated from internal/contract (Settings) by `make generate`: edit it there.
    variables = {
      (module.contract.env.table_name)              = var.table_name
      (module.contract.env.environment)             = var.environment
      (module.contract.env.uploads_prefix)          = module.contract.uploads_prefix
      (module.contract.env.thumbnails_prefix)       = module.contract.thumbnails_prefix
      (module.contract.env.thumbnail_sizes)         = join(",", var.thumbnail_sizes)
      (module.contract.env.jpeg_quality)            = tostring(var.jpeg_quality)
      (module.contract.env.max_image_bytes)         = tostring(var.max_image_bytes)
      (module.contract.env.max_image_pixels)        = tostring(var.max_image_pixels)
      (module.contract.env.metric_namespace)        = module.contract.metric_namespace
      (module.contract.env.record_concurrency)      = tostring(var.record_concurrency)
      (module.contract.env.log_level)               = var.log_level
      (module.contract.env.deleted_record_ttl_days) = tostring(var.deleted_record_ttl_days)
      (module.contract.env.thumbnail_formats)       = join(",", var.thumbnail_formats)
      (module.contract.env.webp_quality)            = tostring(var.webp_quality)
      (module.contract.env.avif_quality)            = tostring(var.avif_quality)
      (module.contract.env.thumbnail_cache_control) = var.thumbnail_cache_control
      (module.contract.env.color_output)            = var.color_output
    }
  }

  tracing_config {
    mode = "Active"
  }

  # The process filters its own logs (LOG_LEVEL above). Lambda's filter
  # passes everything: the EMF metric lines carry no "level", so Lambda
  # would rate them INFO and drop every metric at WARN or ERROR.
  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.processor.name
    application_log_level = "TRACE"
    system_log_level      = "INFO"
  }

  tags = var.tags

  # The role's permissions must exist before the first invocation.
  depends_on = [aws_iam_role_policy.processor]

  lifecycle {
    precondition {
      condition     = (var.lambda_package_path == null) != (var.lambda_package_s3 == null)
      error_message = "Set exactly one of lambda_package_path (a local zip, e.g. from `make package`) and lambda_package_s3 (a released zip in S3: bucket, key, optional object_version); ${var.lambda_package_path == null && var.lambda_package_s3 == null ? "neither is set" : "both are set"}."
    }
  }
}

resource "aws_lambda_function_recursion_config" "processor" {
  function_name  = aws_lambda_function.processor.function_name
  recursive_loop = "Terminate"
}

resource "aws_lambda_function_event_invoke_config" "processor" {
  function_name                = aws_lambda_function.processor.function_name
  maximum_retry_attempts       = var.maximum_retry_attempts
  maximum_event_age_in_seconds = var.maximum_event_age_seconds

  destination_config {
    on_failure {
      destination = aws_sqs_queue.dlq.arn
    }
  }

  # Lambda checks that the role may send to the destination.
  depends_on = [aws_iam_role_policy.processor]
}

# ------------------------------------------------------------------ trigger

# Ingestion "direct" only: with "sqs" S3 never invokes the function.
resource "aws_lambda_permission" "s3_invoke" {
  count = local.sqs ? 0 : 1

  statement_id   = "AllowInvokeFromImageBucket"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.processor.function_name
  principal      = "s3.amazonaws.com"
  source_arn     = var.bucket_arn
  source_account = data.aws_caller_identity.current.account_id
}

# Every object created or removed under the uploads prefix, whatever its
# name: the function sniffs content, so no (case-sensitive) suffix filter.
# One destination, by ingestion: the function itself ("direct") or the
# ingest queue ("sqs"), with the same events and filter either way.
# S3 tests the destination when the notification is saved, so it must come
# after the permission or the queue policy ("Unable to validate the
# following destination configurations" otherwise); neither the function
# nor the queue depends on the bucket notification, so there is no cycle.
resource "aws_s3_bucket_notification" "uploads" {
  bucket = var.bucket_name

  dynamic "lambda_function" {
    for_each = local.sqs ? [] : [aws_lambda_function.processor.arn]
    content {
      id                  = "process-uploads"
      lambda_function_arn = lambda_function.value
      events              = [module.contract.trigger_events.created, module.contract.trigger_events.removed]
      filter_prefix       = module.contract.uploads_prefix
    }
  }

  dynamic "queue" {
    for_each = local.sqs ? [aws_sqs_queue.ingest[0].arn] : []
    content {
      id            = "process-uploads"
      queue_arn     = queue.value
      events        = [module.contract.trigger_events.created, module.contract.trigger_events.removed]
      filter_prefix = module.contract.uploads_prefix
    }
  }

  # ...and after retries, the dead-letter destination, loop detection and
  # the mapping are in place, so that no upload is ever handled without
  # them.
  depends_on = [
    aws_lambda_permission.s3_invoke,
    aws_sqs_queue_policy.ingest,
    aws_lambda_event_source_mapping.ingest,
    aws_lambda_function_event_invoke_config.processor,
    aws_lambda_function_recursion_config.processor,
  ]
}
