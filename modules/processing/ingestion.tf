# Ingestion "sqs": the bucket notifies an encrypted ingest queue (only this
# bucket of this account may send to it), and an event source mapping
# invokes the function with batches of its messages, at most
# ingest_maximum_concurrency at once, with partial batch responses. A
# message received ingest_max_receive_count times goes to the dead-letter
# queue, from which SQS's own message move (`imgpipe redrive`) brings it
# back. With ingestion "direct" none of this exists and S3 invokes the
# function (main.tf). docs/ingestion.md compares the two.

locals {
  sqs = var.ingestion == module.contract.ingestion_modes.sqs

  # AWS: at least six times the function's timeout, plus the batching
  # window, so that Lambda can retry a throttled batch before the messages
  # become visible again.
  ingest_min_visibility_timeout = 6 * var.timeout + var.ingest_batching_window_seconds
  ingest_visibility_timeout     = var.ingest_visibility_timeout_seconds != null ? var.ingest_visibility_timeout_seconds : local.ingest_min_visibility_timeout
}

# SSE-SQS encrypts the queue at rest: S3 can send to it without a KMS key
# policy (a customer-managed key would need one granting s3.amazonaws.com),
# and the bodies are event envelopes, not image data.
#tfsec:ignore:aws-sqs-queue-encryption-use-cmk
resource "aws_sqs_queue" "ingest" {
  count = local.sqs ? 1 : 0

  name                       = "${local.function_name}-ingest"
  visibility_timeout_seconds = local.ingest_visibility_timeout
  message_retention_seconds  = var.ingest_message_retention_seconds
  sqs_managed_sse_enabled    = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = var.ingest_max_receive_count
  })
  tags = var.tags

  lifecycle {
    precondition {
      condition     = local.ingest_visibility_timeout >= local.ingest_min_visibility_timeout
      error_message = "ingest_visibility_timeout_seconds (${local.ingest_visibility_timeout}) must be at least six times the function's timeout plus ingest_batching_window_seconds (6 x ${var.timeout} + ${var.ingest_batching_window_seconds} = ${local.ingest_min_visibility_timeout} s): a shorter one lets a message be delivered again while its first invocation still runs."
    }
    precondition {
      condition     = local.ingest_visibility_timeout <= 43200
      error_message = "The ingest queue's visibility timeout (${local.ingest_visibility_timeout} s) is over SQS's 43200 s: lower timeout or ingest_batching_window_seconds."
    }
  }
}

# Only S3, sending this bucket's notifications on behalf of this account
# (aws:SourceArn and aws:SourceAccount: no confused deputy), may send; and
# nobody over plain HTTP.
data "aws_iam_policy_document" "ingest_queue" {
  count = local.sqs ? 1 : 0

  statement {
    sid       = "BucketNotificationsOnly"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.ingest[0].arn]

    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [var.bucket_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.ingest[0].arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "ingest" {
  count = local.sqs ? 1 : 0

  queue_url = aws_sqs_queue.ingest[0].id
  policy    = data.aws_iam_policy_document.ingest_queue[0].json
}

# Partial batch responses: the function names the messages to keep
# (batchItemFailures) and Lambda deletes the rest of the batch.
resource "aws_lambda_event_source_mapping" "ingest" {
  count = local.sqs ? 1 : 0

  event_source_arn                   = aws_sqs_queue.ingest[0].arn
  function_name                      = aws_lambda_function.processor.arn
  batch_size                         = var.ingest_batch_size
  maximum_batching_window_in_seconds = var.ingest_batching_window_seconds
  function_response_types            = ["ReportBatchItemFailures"]
  enabled                            = true

  scaling_config {
    maximum_concurrency = var.ingest_maximum_concurrency
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.ingest_batch_size <= 10 || var.ingest_batching_window_seconds >= 1
      error_message = "ingest_batch_size ${var.ingest_batch_size} is over 10, which Lambda accepts only with ingest_batching_window_seconds of at least 1."
    }
    precondition {
      condition     = var.reserved_concurrency == null || var.reserved_concurrency == 0 || var.ingest_maximum_concurrency <= coalesce(var.reserved_concurrency, 0)
      error_message = "ingest_maximum_concurrency (${var.ingest_maximum_concurrency}) is over reserved_concurrency (${coalesce(var.reserved_concurrency, 0)}): the mapping would be throttled instead of bounded. Lower it, or raise reserved_concurrency."
    }
  }

  # Lambda checks that the role may read the queue when the mapping is made.
  depends_on = [aws_iam_role_policy.processor]
}
