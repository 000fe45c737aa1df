# A consumer of the outcome events: an SQS queue subscribed to "Image
# Processed" on an imgpipe environment's bus (the root stack's or the
# events module's event_bus_name output). Each message is the EventBridge
# event; its detail is the documented schema (docs/events.md).

provider "aws" {
  region = var.aws_region
}

# Names shared with the pipeline: the events' source and detail-types.
module "contract" {
  source = "../../modules/contract"
}

data "aws_cloudwatch_event_bus" "outcomes" {
  name = var.event_bus_name
}

# SSE-SQS: the messages hold the images' public metadata, no image data.
resource "aws_sqs_queue" "processed" {
  name                      = var.queue_name
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_cloudwatch_event_rule" "processed" {
  name           = "${var.queue_name}-image-processed"
  description    = "Every Image Processed event of ${var.event_bus_name} to ${var.queue_name}"
  event_bus_name = data.aws_cloudwatch_event_bus.outcomes.name
  event_pattern = jsonencode({
    source        = [module.contract.event_source]
    "detail-type" = [module.contract.event_detail_types.processed]
  })
}

resource "aws_cloudwatch_event_target" "processed" {
  rule           = aws_cloudwatch_event_rule.processed.name
  event_bus_name = aws_cloudwatch_event_rule.processed.event_bus_name
  target_id      = "queue"
  arn            = aws_sqs_queue.processed.arn
}

# Only this rule may send to the queue.
data "aws_iam_policy_document" "queue" {
  statement {
    sid       = "FromTheImageProcessedRule"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.processed.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.processed.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "processed" {
  queue_url = aws_sqs_queue.processed.id
  policy    = data.aws_iam_policy_document.queue.json
}
