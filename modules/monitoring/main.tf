# Alarms to an encrypted SNS topic and a dashboard for one imgpipe
# environment.

module "contract" {
  source = "../contract"
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

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

    # Only for alarms of this account: CloudWatch acting for another
    # account's alarms (confused deputy) may not use the key.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
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

# One alarm per entry of local.alarms and, with an ingest queue,
# local.ingest_alarms (locals.tf).
resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = merge(local.alarms, local.ingest_alarms)

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

# Widgets: local.widgets and local.ingest_widgets (locals.tf).
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
        for i, w in concat(local.widgets, local.ingest_widgets) : {
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
