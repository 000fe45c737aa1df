# Alarms to an encrypted SNS topic and a dashboard for one imgpipe
# environment.

module "contract" {
  source = "../contract"
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  name          = "${var.name_prefix}-${var.environment}"
  region        = data.aws_region.current.region
  topic_key_arn = var.kms_key_arn != null ? var.kms_key_arn : aws_kms_key.alarms[0].arn

  lambda_dimensions   = { FunctionName = var.function_name }
  pipeline_dimensions = { (module.contract.metric_dimensions.environment) = var.environment }

  # One entry per alarm; every alarm notifies the topic on ALARM and OK.
  alarms = merge(local.pipeline_alarms, local.events_alarms)

  pipeline_alarms = {
    lambda-errors = {
      description        = "The processor returned errors (each is retried, then parked in the dead-letter queue)."
      namespace          = "AWS/Lambda"
      metric_name        = "Errors"
      dimensions         = local.lambda_dimensions
      statistic          = "Sum"
      extended_statistic = null
      evaluation_periods = 1
      threshold          = 0
    }
    lambda-throttles = {
      description        = "The processor was throttled (reserved or account concurrency exhausted)."
      namespace          = "AWS/Lambda"
      metric_name        = "Throttles"
      dimensions         = local.lambda_dimensions
      statistic          = "Sum"
      extended_statistic = null
      evaluation_periods = 1
      threshold          = 0
    }
    lambda-duration-p95 = {
      description        = "p95 duration of the processor exceeds ${var.duration_alarm_ratio * 100}% of its ${var.function_timeout_seconds} s timeout."
      namespace          = "AWS/Lambda"
      metric_name        = "Duration"
      dimensions         = local.lambda_dimensions
      statistic          = null
      extended_statistic = "p95"
      evaluation_periods = 3
      threshold          = var.function_timeout_seconds * 1000 * var.duration_alarm_ratio
    }
    async-event-age = {
      description        = "Events wait more than ${var.async_event_age_threshold_seconds} s before the processor runs them (backlog or retries)."
      namespace          = "AWS/Lambda"
      metric_name        = "AsyncEventAge"
      dimensions         = local.lambda_dimensions
      statistic          = "Maximum"
      extended_statistic = null
      evaluation_periods = 1
      threshold          = var.async_event_age_threshold_seconds * 1000
    }
    destination-delivery-failures = {
      description        = "The processor could not deliver a failed event to its on-failure destination (the dead-letter queue): the event is lost unless replayed from S3."
      namespace          = "AWS/Lambda"
      metric_name        = "DestinationDeliveryFailures"
      dimensions         = local.lambda_dimensions
      statistic          = "Sum"
      extended_statistic = null
      evaluation_periods = 1
      threshold          = 0
    }
    async-events-dropped = {
      description        = "Lambda gave up on events without a successful run (maximum event age or retries exceeded, or reserved concurrency 0): each went to the dead-letter queue unless destination-delivery-failures fired too."
      namespace          = "AWS/Lambda"
      metric_name        = "AsyncEventsDropped"
      dimensions         = local.lambda_dimensions
      statistic          = "Sum"
      extended_statistic = null
      evaluation_periods = 1
      threshold          = 0
    }
    dlq-messages-visible = {
      description        = "Events failed every retry and wait in the dead-letter queue: inspect and replay them."
      namespace          = "AWS/SQS"
      metric_name        = "ApproximateNumberOfMessagesVisible"
      dimensions         = { QueueName = var.dlq_name }
      statistic          = "Maximum"
      extended_statistic = null
      evaluation_periods = 1
      threshold          = 0
    }
    processing-errors = {
      description        = "Images failed permanently (FAILED records; see the Reason dimension for why)."
      namespace          = module.contract.metric_namespace
      metric_name        = module.contract.metric_names.processing_errors
      dimensions         = local.pipeline_dimensions
      statistic          = "Sum"
      extended_statistic = null
      evaluation_periods = 1
      threshold          = var.processing_errors_threshold
    }
  }
}

locals {
  # With the events module (events_pipe_name): an outcome event the pipe
  # could not deliver is retried, then its batch parks in the pipe's DLQ.
  events_alarms = var.events_pipe_name == null ? {} : {
    events-pipe-failed = {
      description        = "The outcome-events pipe failed executions (enrichment or bus): the batches are retried, then parked in the pipe's dead-letter queue."
      namespace          = "AWS/EventBridge/Pipes"
      metric_name        = "ExecutionFailed"
      dimensions         = { PipeName = var.events_pipe_name }
      statistic          = "Sum"
      extended_statistic = null
      evaluation_periods = 1
      threshold          = 0
    }
    events-dlq-messages-visible = {
      description        = "Outcome events were not delivered after every retry: their stream batches wait in the pipe's dead-letter queue (the records stay readable in the stream for 24 hours; see docs/events.md)."
      namespace          = "AWS/SQS"
      metric_name        = "ApproximateNumberOfMessagesVisible"
      dimensions         = { QueueName = var.events_dlq_name }
      statistic          = "Maximum"
      extended_statistic = null
      evaluation_periods = 1
      threshold          = 0
    }
  }
}

# ------------------------------------------------------------ alarm topic

# CloudWatch can publish to an encrypted topic only if the key policy lets
# cloudwatch.amazonaws.com use the key, which the AWS-managed aws/sns key
# never does: without a key of its own the module creates one.
data "aws_iam_policy_document" "alarm_key" {
  count = var.kms_key_arn == null ? 1 : 0

  # A key policy's "*" resource means this key. The account root statement
  # is the one AWS creates by default: it delegates the key's administration
  # to IAM policies in this account.
  statement {
    sid       = "AccountAdministersKeyThroughIAM"
    effect    = "Allow"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchAlarmsPublish"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
  }
}

resource "aws_kms_key" "alarms" {
  count = var.kms_key_arn == null ? 1 : 0

  description             = "Encrypts the alarm topic of ${local.name}"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  policy                  = data.aws_iam_policy_document.alarm_key[0].json
  tags                    = var.tags
}

resource "aws_kms_alias" "alarms" {
  count = var.kms_key_arn == null ? 1 : 0

  name          = "alias/${local.name}-alarms"
  target_key_id = aws_kms_key.alarms[0].key_id
}

resource "aws_sns_topic" "alarms" {
  name              = "${local.name}-alarms"
  kms_master_key_id = local.topic_key_arn
  tags              = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alarm_emails)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

# ----------------------------------------------------------------- alarms

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${local.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  extended_statistic  = each.value.extended_statistic
  period              = 300
  evaluation_periods  = each.value.evaluation_periods
  datapoints_to_alarm = each.value.evaluation_periods
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

# -------------------------------------------------------------- dashboard

locals {
  ns       = module.contract.metric_namespace
  env_dim  = module.contract.metric_dimensions.environment
  metric   = module.contract.metric_names
  fn       = var.function_name
  p95      = { stat = "p95" }
  widget_w = 12
  widget_h = 6

  widgets = [
    {
      title = "Lambda: invocations, errors, throttles"
      metrics = [
        ["AWS/Lambda", "Invocations", "FunctionName", local.fn],
        [".", "Errors", ".", "."],
        [".", "Throttles", ".", "."],
        [".", "ConcurrentExecutions", ".", ".", { stat = "Maximum" }],
      ]
      stat = "Sum"
    },
    {
      title = "Lambda: duration p95 and event age (ms)"
      metrics = [
        ["AWS/Lambda", "Duration", "FunctionName", local.fn, local.p95],
        [".", "AsyncEventAge", ".", ".", { stat = "Maximum" }],
      ]
      stat = "Average"
    },
    {
      title = "Lambda: async events dropped and undeliverable to the dead-letter queue"
      metrics = [
        ["AWS/Lambda", "AsyncEventsDropped", "FunctionName", local.fn],
        [".", "DestinationDeliveryFailures", ".", "."],
      ]
      stat = "Sum"
    },
    {
      title = "Pipeline: images processed, failed and deleted (${var.environment})"
      metrics = [
        [local.ns, local.metric.images_processed, local.env_dim, var.environment],
        [".", local.metric.processing_errors, ".", "."],
        [".", local.metric.images_deleted, ".", "."],
      ]
      stat = "Sum"
    },
    {
      title = "Pipeline: processing latency p95 (ms) and bytes"
      metrics = [
        [local.ns, local.metric.processing_latency, local.env_dim, var.environment, local.p95],
        [".", local.metric.bytes_in, ".", ".", { stat = "Sum", yAxis = "right" }],
        [".", local.metric.thumbnail_bytes, ".", ".", { stat = "Sum", yAxis = "right" }],
      ]
      stat = "Average"
    },
    {
      title = "Dead-letter queue"
      metrics = [
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.dlq_name, { stat = "Maximum" }],
        [".", "ApproximateAgeOfOldestMessage", ".", ".", { stat = "Maximum", yAxis = "right" }],
      ]
      stat = "Maximum"
    },
    {
      title = "DynamoDB: capacity consumed, duplicate writes, throttles"
      metrics = [
        ["AWS/DynamoDB", "ConsumedWriteCapacityUnits", "TableName", var.table_name],
        [".", "ConsumedReadCapacityUnits", ".", "."],
        [".", "ConditionalCheckFailedRequests", ".", ".", { yAxis = "right" }],
        [".", "ThrottledRequests", ".", ".", "Operation", "PutItem", { yAxis = "right" }],
      ]
      stat = "Sum"
    },
    {
      title = "S3: bucket size and objects (daily)"
      metrics = [
        ["AWS/S3", "BucketSizeBytes", "BucketName", var.bucket_name, "StorageType", "StandardStorage"],
        [".", "NumberOfObjects", ".", ".", "StorageType", "AllStorageTypes", { yAxis = "right" }],
      ]
      stat   = "Average"
      period = 86400
    },
  ]

  events_widgets = var.events_pipe_name == null ? [] : [
    {
      title = "Outcome events: pipe executions and failures"
      metrics = [
        ["AWS/EventBridge/Pipes", "EventCount", "PipeName", var.events_pipe_name],
        [".", "ExecutionFailed", ".", "."],
        [".", "ExecutionPartiallyFailed", ".", "."],
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.events_dlq_name, { stat = "Maximum", yAxis = "right" }],
      ]
      stat = "Sum"
    },
  ]
}

resource "aws_cloudwatch_dashboard" "pipeline" {
  dashboard_name = local.name

  lifecycle {
    # A cross-variable rule: a precondition, since variable validations may
    # reference other variables only from Terraform 1.9.
    precondition {
      condition     = (var.events_pipe_name == null) == (var.events_dlq_name == null)
      error_message = "events_pipe_name and events_dlq_name go together: set both (the events module's pipe_name and dlq_name outputs) or neither."
    }
  }
  dashboard_body = jsonencode({
    widgets = concat(
      [
        {
          type   = "alarm"
          x      = 0
          y      = 0
          width  = 24
          height = 3
          properties = {
            title  = "Alarms"
            alarms = [for a in aws_cloudwatch_metric_alarm.this : a.arn]
          }
        },
      ],
      [
        for i, w in concat(local.widgets, local.events_widgets) : {
          type   = "metric"
          x      = (i % 2) * local.widget_w
          y      = 3 + floor(i / 2) * local.widget_h
          width  = local.widget_w
          height = local.widget_h
          properties = {
            title   = w.title
            region  = local.region
            view    = "timeSeries"
            stacked = false
            metrics = w.metrics
            stat    = w.stat
            period  = try(w.period, 300)
          }
        }
      ],
    )
  })
}
