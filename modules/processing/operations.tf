# Day-2 operations: the optional role S3 Batch Operations assumes to run
# `imgpipe backfill --engine batch` jobs, and the IAM policy document an
# operator (or CI) needs to run the imgpipe CLI against this environment.

data "aws_partition" "current" {}

locals {
  batch_prefix     = "${var.bucket_arn}/${module.contract.batch_operations_prefix}"
  batch_role_name  = "${local.name}-batch-operations"
  status_index_arn = "${var.table_arn}/index/${module.contract.status_index_name}"
  job_arns         = "arn:${data.aws_partition.current.partition}:s3:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:job/*"
  alarm_arns       = "arn:${data.aws_partition.current.partition}:cloudwatch:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:alarm:${local.name}-*"
  manifest_buckets = concat([var.bucket_arn], var.batch_operations_manifest_bucket_arns)
  manifest_objects = concat(["${local.batch_prefix}manifests/*"], [for arn in var.batch_operations_manifest_bucket_arns : "${arn}/*"])
}

# ------------------------------------------------- S3 Batch Operations role

# Only S3 Batch Operations of this account may assume the role (confused
# deputy: aws:SourceAccount).
data "aws_iam_policy_document" "batch_operations_assume" {
  count = var.create_batch_operations_role ? 1 : 0

  statement {
    sid     = "S3BatchOperationsAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["batchoperations.s3.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "batch_operations" {
  count = var.create_batch_operations_role ? 1 : 0

  name                 = local.batch_role_name
  description          = "Assumed by S3 Batch Operations to run imgpipe backfill jobs on ${local.function_name}"
  assume_role_policy   = data.aws_iam_policy_document.batch_operations_assume[0].json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

# Least privilege: invoke this one function; read job manifests (the CLI's
# CSV manifests under batch-operations/manifests/, and S3 Inventory reports
# in the buckets given); write completion reports under
# batch-operations/reports/. The function itself reads the images.
data "aws_iam_policy_document" "batch_operations" {
  count = var.create_batch_operations_role ? 1 : 0

  statement {
    sid       = "InvokeProcessor"
    effect    = "Allow"
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_function.processor.arn]
  }

  # Manifest keys are chosen per job: the wildcard covers the manifests
  # prefix of this bucket (and whole inventory buckets given explicitly).
  statement {
    sid       = "ReadManifests"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = local.manifest_objects #tfsec:ignore:aws-iam-no-policy-wildcards
  }

  statement {
    sid       = "WriteReports"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["${local.batch_prefix}reports/*"] #tfsec:ignore:aws-iam-no-policy-wildcards
  }

  statement {
    sid       = "LocateBuckets"
    effect    = "Allow"
    actions   = ["s3:GetBucketLocation"]
    resources = local.manifest_buckets
  }

  dynamic "statement" {
    for_each = var.data_kms_key_arn == null ? [] : [var.data_kms_key_arn]
    content {
      sid       = "UseDataKeyThroughS3"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${data.aws_region.current.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "batch_operations" {
  count = var.create_batch_operations_role ? 1 : 0

  name   = "least-privilege"
  role   = aws_iam_role.batch_operations[0].id
  policy = data.aws_iam_policy_document.batch_operations[0].json
}

# ------------------------------------------------------ operator policy

# What the imgpipe CLI calls, statement by statement (docs/operations.md):
# status, audit (--fix), backfill (both engines), reprocess and redrive.
data "aws_iam_policy_document" "operator" {
  # audit and backfill list the current versions of uploads and thumbnails.
  statement {
    sid       = "ListImages"
    effect    = "Allow"
    actions   = ["s3:ListBucket", "s3:ListBucketVersions"]
    resources = [var.bucket_arn]
  }

  # audit --fix deletes thumbnails whose upload is gone.
  statement {
    sid       = "DeleteOrphanThumbnails"
    effect    = "Allow"
    actions   = ["s3:DeleteObject"]
    resources = ["${var.bucket_arn}/${module.contract.thumbnails_prefix}*"] #tfsec:ignore:aws-iam-no-policy-wildcards
  }

  # status, audit, backfill and reprocess read records by version and by
  # status; the CLI never writes the table (only the function does).
  statement {
    sid       = "ReadRecords"
    effect    = "Allow"
    actions   = ["dynamodb:Query"]
    resources = [var.table_arn, local.status_index_arn]
  }

  # backfill, reprocess and redrive invoke the function; reprocess
  # --older-than-config reads its configuration.
  statement {
    sid       = "InvokeProcessor"
    effect    = "Allow"
    actions   = ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"]
    resources = [aws_lambda_function.processor.arn]
  }

  statement {
    sid       = "DrainDeadLetterQueue"
    effect    = "Allow"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.dlq.arn]
  }

  # Ingestion "sqs": `imgpipe redrive` moves the dead-letter messages back to
  # the ingest queue with SQS's message move task, which acts with the
  # caller's permissions: receive and delete on the dead-letter queue
  # (above), send to the ingest queue (below).
  dynamic "statement" {
    for_each = local.sqs ? [aws_sqs_queue.dlq.arn] : []
    content {
      sid       = "MoveDeadLettersBack"
      effect    = "Allow"
      actions   = ["sqs:StartMessageMoveTask", "sqs:ListMessageMoveTasks", "sqs:CancelMessageMoveTask"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = local.sqs ? [aws_sqs_queue.ingest[0].arn] : []
    content {
      sid       = "RefillIngestQueue"
      effect    = "Allow"
      actions   = ["sqs:SendMessage", "sqs:GetQueueAttributes"]
      resources = [statement.value]
    }
  }

  statement {
    sid       = "ReadAlarms"
    effect    = "Allow"
    actions   = ["cloudwatch:DescribeAlarms"]
    resources = [local.alarm_arns] #tfsec:ignore:aws-iam-no-policy-wildcards
  }

  # The age of the oldest DLQ message is a CloudWatch metric; metric reads
  # support no resource-level permissions (Service Authorization Reference).
  statement {
    sid       = "ReadQueueAge"
    effect    = "Allow"
    actions   = ["cloudwatch:GetMetricStatistics"]
    resources = ["*"] #tfsec:ignore:aws-iam-no-policy-wildcards
  }

  # With the Batch Operations role: write manifests and read reports under
  # the batch prefix, create jobs and follow them. s3:CreateJob has no
  # resource type (Service Authorization Reference); the jobs can only run as
  # the role below, which can only invoke this function.
  dynamic "statement" {
    for_each = var.create_batch_operations_role ? [
      { sid = "WriteBatchManifests", action = "s3:PutObject", resource = "${local.batch_prefix}manifests/*" },
      { sid = "ReadBatchReports", action = "s3:GetObject", resource = "${local.batch_prefix}reports/*" },
      { sid = "CreateBatchJobs", action = "s3:CreateJob", resource = "*" },
      { sid = "FollowBatchJobs", action = "s3:DescribeJob", resource = local.job_arns },
    ] : []
    content {
      sid       = statement.value.sid
      effect    = "Allow"
      actions   = [statement.value.action]
      resources = [statement.value.resource] #tfsec:ignore:aws-iam-no-policy-wildcards
    }
  }

  dynamic "statement" {
    for_each = var.create_batch_operations_role ? [aws_iam_role.batch_operations[0].arn] : []
    content {
      sid       = "PassBatchRole"
      effect    = "Allow"
      actions   = ["iam:PassRole"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "iam:PassedToService"
        values   = ["batchoperations.s3.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.data_kms_key_arn == null ? [] : [var.data_kms_key_arn]
    content {
      sid       = "UseDataKeyThroughS3AndDynamoDB"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
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
