# Every local value of the module, in one place: names, the alarms (one
# entry each, read by the aws_cloudwatch_metric_alarm in main.tf) and the
# dashboard's widgets.

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

  # With an ingest queue (modules/processing ingestion "sqs"): its backlog,
  # as age (what an uploader feels) and depth (what the mapping must drain).
  ingest_dimensions = { QueueName = var.ingest_queue_name }
  ingest_alarms = { for k, a in {
    ingest-queue-age = {
      description        = "The ingest queue's oldest message is older than ${var.ingest_queue_age_threshold_seconds} s: uploads wait that long for their thumbnails (backlog beyond the mapping's maximum concurrency, throttling, or messages failing and coming back)."
      namespace          = "AWS/SQS"
      metric_name        = "ApproximateAgeOfOldestMessage"
      dimensions         = local.ingest_dimensions
      statistic          = "Maximum"
      extended_statistic = null
      evaluation_periods = 1
      threshold          = var.ingest_queue_age_threshold_seconds
    }
    ingest-queue-depth = {
      description        = "More than ${var.ingest_queue_depth_threshold} uploads wait in the ingest queue for 10 minutes: the pipeline is not keeping up (raise ingest_maximum_concurrency if DynamoDB and the account's concurrency allow)."
      namespace          = "AWS/SQS"
      metric_name        = "ApproximateNumberOfMessagesVisible"
      dimensions         = local.ingest_dimensions
      statistic          = "Maximum"
      extended_statistic = null
      evaluation_periods = 2
      threshold          = var.ingest_queue_depth_threshold
    }
  } : k => a if var.ingest_queue_name != null }

  ingest_widgets = [for w in [
    {
      title = "Ingest queue: backlog (messages) and oldest message (s)"
      metrics = [
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.ingest_queue_name, { stat = "Maximum" }],
        [".", "ApproximateNumberOfMessagesNotVisible", ".", ".", { stat = "Maximum" }],
        [".", "ApproximateAgeOfOldestMessage", ".", ".", { stat = "Maximum", yAxis = "right" }],
      ]
      stat = "Maximum"
    },
    {
      title = "Ingest queue: uploads in, batches received, messages done"
      metrics = [
        ["AWS/SQS", "NumberOfMessagesSent", "QueueName", var.ingest_queue_name],
        [".", "NumberOfMessagesReceived", ".", "."],
        [".", "NumberOfMessagesDeleted", ".", "."],
      ]
      stat = "Sum"
    },
  ] : w if var.ingest_queue_name != null]

  # ------------------------------------------------------------ dashboard
  ns       = module.contract.metric_namespace
  env_dim  = module.contract.metric_dimensions.environment
  metric   = module.contract.metric_names
  fn       = var.function_name
  p95      = { stat = "p95" }
  widget_w = 12
  widget_h = 6

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

  widgets = concat(local.pipeline_widgets, local.events_widgets)

  pipeline_widgets = [
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
