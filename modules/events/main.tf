# Outcome events of one imgpipe environment: every stored outcome (a
# PROCESSED, FAILED or DELETED record written) becomes one event on an
# EventBridge bus. The table's stream feeds an EventBridge pipe, which keeps
# the records announcing an outcome (the contract's filter patterns),
# enriches them into events (a small Lambda, lambda/cmd/events: the record's
# public fields as plain JSON) and puts them on the bus. Why this design,
# the event schema and the guarantees: docs/events.md.

module "contract" {
  source = "../contract"
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  name            = "${var.name_prefix}-${var.environment}"
  created_bus     = "${local.name}-events" # a local of its own: the local stack reads it
  pipe_name       = "${local.name}-outcome-events"
  dlq_name        = "${local.pipe_name}-dlq"
  enrichment_name = "${local.name}-outcome-events"
  account_id      = data.aws_caller_identity.current.account_id
  pipe_arn        = "arn:${data.aws_partition.current.partition}:pipes:${data.aws_region.current.region}:${local.account_id}:pipe/${local.pipe_name}"
  bus_arn         = var.event_bus_arn != null ? var.event_bus_arn : aws_cloudwatch_event_bus.outcomes[0].arn
  bus_name        = var.event_bus_arn != null ? element(split("/", var.event_bus_arn), length(split("/", var.event_bus_arn)) - 1) : aws_cloudwatch_event_bus.outcomes[0].name
  package_hash    = var.enrichment_package_hash != null ? var.enrichment_package_hash : filebase64sha256(var.enrichment_package_path)
}

# --------------------------------------------------------------------- bus

# Without event_bus_arn the module creates the bus (AWS-owned encryption
# key; consumers add their own rules). With it, events go to that bus.
resource "aws_cloudwatch_event_bus" "outcomes" {
  count = var.event_bus_arn == null ? 1 : 0

  name        = local.created_bus
  description = "imgpipe outcome events of ${local.name}: Image Processed, Image Failed, Image Deleted"
  tags        = var.tags
}

# ------------------------------------------------------- dead-letter queue

# Batches the pipe could not deliver after its retries: each message names
# the stream records (shard, sequence numbers) and why. The records
# themselves stay readable in the stream for 24 hours, and the table still
# holds every outcome. SSE-SQS: the messages hold no image data.
resource "aws_sqs_queue" "dlq" {
  name                      = local.dlq_name
  message_retention_seconds = 1209600 # 14 days, the SQS maximum
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

# ------------------------------------------------------------- enrichment

# Without log_kms_key_arn, CloudWatch Logs encrypts the group with its own
# keys; a customer-managed key is optional by design.
resource "aws_cloudwatch_log_group" "enrichment" {
  name              = "/aws/lambda/${local.enrichment_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "enrichment_assume" {
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

resource "aws_iam_role" "enrichment" {
  name                 = local.enrichment_name
  description          = "Execution role of ${local.enrichment_name} (the events pipe's enrichment)"
  assume_role_policy   = data.aws_iam_policy_document.enrichment_assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

# The enrichment only transforms the records it is given: it reads and
# writes nothing but its own logs.
data "aws_iam_policy_document" "enrichment" {
  # Lambda names its log streams itself, so the stream part of the ARN is a
  # wildcard, inside this one log group only.
  statement {
    sid       = "WriteLogs"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.enrichment.arn}:*"] #tfsec:ignore:aws-iam-no-policy-wildcards
  }
}

resource "aws_iam_role_policy" "enrichment" {
  name   = "least-privilege"
  role   = aws_iam_role.enrichment.id
  policy = data.aws_iam_policy_document.enrichment.json
}

# Tracing is off: a pure transformation of a few records, no downstream
# calls to trace.
#tfsec:ignore:aws-lambda-enable-tracing
resource "aws_lambda_function" "enrichment" {
  function_name    = local.enrichment_name
  description      = "imgpipe: turns metadata stream records into outcome events (the events pipe's enrichment)"
  role             = aws_iam_role.enrichment.arn
  filename         = var.enrichment_package_path
  source_code_hash = local.package_hash
  runtime          = "provided.al2023"
  architectures    = ["arm64"]
  handler          = "bootstrap"
  memory_size      = 128
  timeout          = 30

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.enrichment.name
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.enrichment]
}

# -------------------------------------------------------------------- pipe

# Only EventBridge Pipes, and only for this pipe of this account, may
# assume the role (confused-deputy guard).
data "aws_iam_policy_document" "pipe_assume" {
  statement {
    sid     = "PipesAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["pipes.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [local.pipe_arn]
    }
  }
}

resource "aws_iam_role" "pipe" {
  name                 = local.pipe_name
  description          = "Execution role of the ${local.pipe_name} pipe"
  assume_role_policy   = data.aws_iam_policy_document.pipe_assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

# Least privilege: read the one table stream, invoke the one enrichment,
# put events on the one bus, park failures in the one queue.
data "aws_iam_policy_document" "pipe" {
  statement {
    sid       = "ReadTableStream"
    effect    = "Allow"
    actions   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"]
    resources = [var.table_stream_arn]
  }

  # ListStreams has no resource-level permission (Service Authorization
  # Reference); the Pipes documentation lists it among a DynamoDB source's
  # required permissions. It returns stream ARNs only, no data.
  statement {
    sid       = "ListStreams"
    effect    = "Allow"
    actions   = ["dynamodb:ListStreams"]
    resources = ["*"]
  }

  statement {
    sid       = "InvokeEnrichment"
    effect    = "Allow"
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_function.enrichment.arn]
  }

  statement {
    sid       = "PutOutcomeEvents"
    effect    = "Allow"
    actions   = ["events:PutEvents"]
    resources = [local.bus_arn]
  }

  statement {
    sid       = "SendToDeadLetterQueue"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq.arn]
  }

  # A stream of a table encrypted with a customer-managed key is encrypted
  # with it too.
  dynamic "statement" {
    for_each = var.table_kms_key_arn == null ? [] : [var.table_kms_key_arn]
    content {
      sid       = "DecryptStreamThroughDynamoDB"
      effect    = "Allow"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["dynamodb.${data.aws_region.current.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "pipe" {
  name   = "least-privilege"
  role   = aws_iam_role.pipe.id
  policy = data.aws_iam_policy_document.pipe.json
}

resource "aws_pipes_pipe" "outcomes" {
  name          = local.pipe_name
  description   = "imgpipe: one event per stored outcome of ${local.name}, derived from the metadata table's stream"
  role_arn      = aws_iam_role.pipe.arn
  source        = var.table_stream_arn
  enrichment    = aws_lambda_function.enrichment.arn
  target        = local.bus_arn
  desired_state = "RUNNING"

  source_parameters {
    dynamodb_stream_parameters {
      starting_position             = module.contract.pipe.starting_position
      batch_size                    = module.contract.pipe.batch_size
      maximum_retry_attempts        = var.maximum_retry_attempts
      maximum_record_age_in_seconds = var.maximum_record_age_seconds
      on_partial_batch_item_failure = "AUTOMATIC_BISECT"

      dead_letter_config {
        arn = aws_sqs_queue.dlq.arn
      }
    }

    # Exactly the stream records that announce a stored outcome (declared
    # once in internal/contract; the local stack applies the same).
    filter_criteria {
      dynamic "filter" {
        for_each = module.contract.pipe_filter_patterns
        content {
          pattern = filter.value
        }
      }
    }
  }

  # The enrichment answers {eventID, detailType, detail} per record: the
  # detail-type comes from it by path, the detail is its detail object.
  target_parameters {
    input_template = module.contract.pipe.input_template

    eventbridge_event_bus_parameters {
      source      = module.contract.event_source
      detail_type = module.contract.pipe.detail_type_path
    }
  }

  tags = var.tags

  # The role must hold its permissions before the pipe starts polling.
  depends_on = [aws_iam_role_policy.pipe]
}
