# Plan/apply-time checks of the monitoring module against a mocked AWS
# provider (no credentials, no network): `terraform test` in
# modules/monitoring.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }
  mock_data "aws_region" {
    defaults = {
      region = "eu-west-1"
    }
  }
}

variables {
  environment              = "test"
  function_name            = "imgpipe-test-processor"
  function_timeout_seconds = 60
  dlq_name                 = "imgpipe-test-processor-dlq"
  table_name               = "imgpipe-test-metadata"
  bucket_name              = "imgpipe-test-images-123456789012"
}

run "every_alarm_notifies_the_topic" {
  command = apply

  assert {
    condition = toset(keys(aws_cloudwatch_metric_alarm.this)) == toset([
      "lambda-errors", "lambda-throttles", "lambda-duration-p95", "async-event-age",
      "destination-delivery-failures", "async-events-dropped", "dlq-messages-visible", "processing-errors",
    ])
    error_message = "The module must define exactly the eight pipeline alarms."
  }
  assert {
    condition = alltrue([
      for a in aws_cloudwatch_metric_alarm.this :
      a.alarm_actions == toset([aws_sns_topic.alarms.arn]) && a.ok_actions == toset([aws_sns_topic.alarms.arn])
    ])
    error_message = "Every alarm must notify the topic on ALARM and on OK."
  }
  assert {
    condition     = alltrue([for k, a in aws_cloudwatch_metric_alarm.this : a.alarm_name == "imgpipe-test-${k}"])
    error_message = "Alarm names must derive from name_prefix and environment."
  }
  assert {
    condition     = length(output.alarm_names) == 8 && length(output.alarm_arns) == 8
    error_message = "The outputs must list every alarm."
  }
}

run "alarms_watch_the_right_metrics" {
  command = apply

  assert {
    condition = (aws_cloudwatch_metric_alarm.this["lambda-errors"].namespace == "AWS/Lambda" &&
      aws_cloudwatch_metric_alarm.this["lambda-errors"].metric_name == "Errors" &&
    aws_cloudwatch_metric_alarm.this["lambda-errors"].dimensions == tomap({ FunctionName = "imgpipe-test-processor" }))
    error_message = "lambda-errors must watch the function's Errors."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.this["lambda-throttles"].metric_name == "Throttles"
    error_message = "lambda-throttles must watch Throttles."
  }
  assert {
    condition = (aws_cloudwatch_metric_alarm.this["lambda-duration-p95"].extended_statistic == "p95" &&
    aws_cloudwatch_metric_alarm.this["lambda-duration-p95"].threshold == 48000)
    error_message = "The duration alarm must fire when p95 exceeds 80% of the 60 s timeout (48000 ms)."
  }
  assert {
    condition = (aws_cloudwatch_metric_alarm.this["async-event-age"].metric_name == "AsyncEventAge" &&
    aws_cloudwatch_metric_alarm.this["async-event-age"].threshold == 600000)
    error_message = "The async-event-age alarm must watch AsyncEventAge in milliseconds."
  }
  assert {
    condition = alltrue([
      for k, m in { destination-delivery-failures = "DestinationDeliveryFailures", async-events-dropped = "AsyncEventsDropped" } :
      aws_cloudwatch_metric_alarm.this[k].namespace == "AWS/Lambda" &&
      aws_cloudwatch_metric_alarm.this[k].metric_name == m &&
      aws_cloudwatch_metric_alarm.this[k].dimensions == tomap({ FunctionName = "imgpipe-test-processor" }) &&
      aws_cloudwatch_metric_alarm.this[k].statistic == "Sum" &&
      aws_cloudwatch_metric_alarm.this[k].threshold == 0 &&
      aws_cloudwatch_metric_alarm.this[k].comparison_operator == "GreaterThanThreshold"
    ])
    error_message = "An event the function could not deliver to the dead-letter queue, or that Lambda dropped, must raise an alarm at once."
  }
  assert {
    condition = (aws_cloudwatch_metric_alarm.this["dlq-messages-visible"].namespace == "AWS/SQS" &&
      aws_cloudwatch_metric_alarm.this["dlq-messages-visible"].metric_name == "ApproximateNumberOfMessagesVisible" &&
      aws_cloudwatch_metric_alarm.this["dlq-messages-visible"].dimensions == tomap({ QueueName = "imgpipe-test-processor-dlq" }) &&
      aws_cloudwatch_metric_alarm.this["dlq-messages-visible"].threshold == 0 &&
    aws_cloudwatch_metric_alarm.this["dlq-messages-visible"].comparison_operator == "GreaterThanThreshold")
    error_message = "The DLQ alarm must fire on any visible message."
  }
  assert {
    condition = (aws_cloudwatch_metric_alarm.this["processing-errors"].namespace == "ImageProcessing" &&
      aws_cloudwatch_metric_alarm.this["processing-errors"].metric_name == "ProcessingErrors" &&
    aws_cloudwatch_metric_alarm.this["processing-errors"].dimensions == tomap({ Environment = "test" }))
    error_message = "The processing-errors alarm must watch the pipeline's EMF ProcessingErrors of this environment."
  }
  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : a.treat_missing_data == "notBreaching"])
    error_message = "Missing data (no traffic) must not breach."
  }
}

run "topic_is_encrypted_with_a_key_cloudwatch_may_use" {
  command = apply

  variables {
    alarm_emails = ["ops@example.org", "oncall@example.org"]
  }

  assert {
    condition     = length(aws_kms_key.alarms) == 1 && aws_sns_topic.alarms.kms_master_key_id == aws_kms_key.alarms[0].arn
    error_message = "Without kms_key_arn the topic must be encrypted with the module's own key."
  }
  assert {
    condition     = aws_kms_key.alarms[0].enable_key_rotation
    error_message = "The key must rotate."
  }
  assert {
    condition = length([
      for s in data.aws_iam_policy_document.alarm_key[0].statement : s
      if s.effect == "Allow" && toset(s.actions) == toset(["kms:Decrypt", "kms:GenerateDataKey*"]) &&
      anytrue([for p in s.principals : p.type == "Service" && toset(p.identifiers) == toset(["cloudwatch.amazonaws.com"])]) &&
      anytrue([for c in s.condition : c.test == "StringEquals" && c.variable == "aws:SourceAccount" && c.values == tolist(["123456789012"])])
    ]) == 1
    error_message = "The key policy must let CloudWatch encrypt messages for the topic, only on behalf of this account (aws:SourceAccount)."
  }
  assert {
    condition     = toset([for s in aws_sns_topic_subscription.email : s.endpoint]) == toset(var.alarm_emails) && alltrue([for s in aws_sns_topic_subscription.email : s.protocol == "email"])
    error_message = "Each alarm email must get an email subscription."
  }
}

run "given_key_replaces_the_module_key" {
  command = apply

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition     = length(aws_kms_key.alarms) == 0 && aws_sns_topic.alarms.kms_master_key_id == var.kms_key_arn
    error_message = "With kms_key_arn the topic must use it and no key must be created."
  }
  assert {
    condition     = length(aws_sns_topic_subscription.email) == 0
    error_message = "No email, no subscription."
  }
}

run "dashboard_covers_every_part" {
  command = apply

  assert {
    condition = toset(flatten([
      for w in jsondecode(aws_cloudwatch_dashboard.pipeline.dashboard_body).widgets : [
        for m in try(w.properties.metrics, []) : m[0] if m[0] != "."
      ]
    ])) == toset(["AWS/Lambda", "ImageProcessing", "AWS/SQS", "AWS/DynamoDB", "AWS/S3"])
    error_message = "The dashboard must show Lambda, pipeline, DLQ, DynamoDB and S3 metrics."
  }
  assert {
    condition = length(setintersection(toset(["AsyncEventsDropped", "DestinationDeliveryFailures"]), toset(flatten([
      for w in jsondecode(aws_cloudwatch_dashboard.pipeline.dashboard_body).widgets : [
        for m in try(w.properties.metrics, []) : m[1]
      ]
    ])))) == 2
    error_message = "The dashboard must show dropped async events and destination delivery failures."
  }
  assert {
    condition     = output.dashboard_url == "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/imgpipe-test"
    error_message = "The dashboard URL must open the dashboard in its region."
  }
}

run "ingest_queue_alarms_and_widgets" {
  command = apply

  variables {
    ingest_queue_name                  = "imgpipe-test-processor-ingest"
    ingest_queue_age_threshold_seconds = 120
    ingest_queue_depth_threshold       = 500
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.this) == 10 && length(output.alarm_names) == 10
    error_message = "With an ingest queue: the eight pipeline alarms and two of the queue."
  }
  assert {
    condition = (aws_cloudwatch_metric_alarm.this["ingest-queue-age"].namespace == "AWS/SQS" &&
      aws_cloudwatch_metric_alarm.this["ingest-queue-age"].metric_name == "ApproximateAgeOfOldestMessage" &&
      aws_cloudwatch_metric_alarm.this["ingest-queue-age"].dimensions == tomap({ QueueName = "imgpipe-test-processor-ingest" }) &&
      aws_cloudwatch_metric_alarm.this["ingest-queue-age"].statistic == "Maximum" &&
    aws_cloudwatch_metric_alarm.this["ingest-queue-age"].threshold == 120)
    error_message = "ingest-queue-age must watch the queue's oldest message against the threshold in seconds."
  }
  assert {
    condition = (aws_cloudwatch_metric_alarm.this["ingest-queue-depth"].metric_name == "ApproximateNumberOfMessagesVisible" &&
      aws_cloudwatch_metric_alarm.this["ingest-queue-depth"].dimensions == tomap({ QueueName = "imgpipe-test-processor-ingest" }) &&
      aws_cloudwatch_metric_alarm.this["ingest-queue-depth"].threshold == 500 &&
    aws_cloudwatch_metric_alarm.this["ingest-queue-depth"].evaluation_periods == 2)
    error_message = "ingest-queue-depth must watch the visible messages over two periods."
  }
  assert {
    condition = toset(flatten([
      for w in jsondecode(aws_cloudwatch_dashboard.pipeline.dashboard_body).widgets : [
        for m in try(w.properties.metrics, []) : m[3] if length(m) > 3 && m[2] == "QueueName"
      ]
    ])) == toset(["imgpipe-test-processor-dlq", "imgpipe-test-processor-ingest"])
    error_message = "The dashboard must show both queues."
  }
  assert {
    condition = length(setintersection(toset(["NumberOfMessagesSent", "NumberOfMessagesReceived", "NumberOfMessagesDeleted", "ApproximateNumberOfMessagesNotVisible"]), toset(flatten([
      for w in jsondecode(aws_cloudwatch_dashboard.pipeline.dashboard_body).widgets : [
        for m in try(w.properties.metrics, []) : m[1]
      ]
    ])))) == 4
    error_message = "The dashboard must show the ingest queue's flow: sent, received, deleted, in flight."
  }
}

run "no_ingest_queue_no_queue_alarms" {
  command = apply

  assert {
    condition     = length([for k, a in aws_cloudwatch_metric_alarm.this : k if startswith(k, "ingest-")]) == 0
    error_message = "Without an ingest queue (ingestion direct) there are no ingest-queue alarms."
  }
}

run "events_pipe_alarms_when_the_events_module_is_used" {
  command = apply

  variables {
    events_pipe_name = "imgpipe-test-outcome-events"
    events_dlq_name  = "imgpipe-test-outcome-events-dlq"
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.this["events-pipe-failed"].namespace == "AWS/EventBridge/Pipes" &&
      aws_cloudwatch_metric_alarm.this["events-pipe-failed"].metric_name == "ExecutionFailed" &&
      aws_cloudwatch_metric_alarm.this["events-pipe-failed"].dimensions == tomap({ PipeName = "imgpipe-test-outcome-events" }) &&
      aws_cloudwatch_metric_alarm.this["events-pipe-failed"].statistic == "Sum" &&
      aws_cloudwatch_metric_alarm.this["events-pipe-failed"].threshold == 0 &&
      aws_cloudwatch_metric_alarm.this["events-pipe-failed"].comparison_operator == "GreaterThanThreshold"
    )
    error_message = "A failed execution of the events pipe must raise an alarm at once."
  }
  assert {
    condition = (
      aws_cloudwatch_metric_alarm.this["events-dlq-messages-visible"].metric_name == "ApproximateNumberOfMessagesVisible" &&
      aws_cloudwatch_metric_alarm.this["events-dlq-messages-visible"].dimensions == tomap({ QueueName = "imgpipe-test-outcome-events-dlq" }) &&
      aws_cloudwatch_metric_alarm.this["events-dlq-messages-visible"].threshold == 0
    )
    error_message = "An outcome event parked in the pipe's dead-letter queue must raise an alarm."
  }
  assert {
    condition = alltrue([
      for k in ["events-pipe-failed", "events-dlq-messages-visible"] :
      aws_cloudwatch_metric_alarm.this[k].alarm_actions == toset([aws_sns_topic.alarms.arn]) && aws_cloudwatch_metric_alarm.this[k].alarm_name == "imgpipe-test-${k}"
    ])
    error_message = "The events alarms notify the topic like the others."
  }
  assert {
    condition     = length(aws_cloudwatch_metric_alarm.this) == 10 && length(output.alarm_names) == 10
    error_message = "With the events module there are ten alarms."
  }
  assert {
    condition = contains(flatten([
      for w in jsondecode(aws_cloudwatch_dashboard.pipeline.dashboard_body).widgets : [
        for m in try(w.properties.metrics, []) : m[0]
      ]
    ]), "AWS/EventBridge/Pipes")
    error_message = "The dashboard must show the events pipe."
  }
}

run "dashboard_shows_deleted_images" {
  command = apply

  assert {
    condition = contains(flatten([
      for w in jsondecode(aws_cloudwatch_dashboard.pipeline.dashboard_body).widgets : [
        for m in try(w.properties.metrics, []) : m[1]
      ]
    ]), "ImagesDeleted")
    error_message = "The dashboard must show ImagesDeleted."
  }
}

# ------------------------------------------------------------ validations

run "rejects_bad_ingest_queue_name" {
  command = plan
  variables {
    ingest_queue_name = "not a queue"
  }
  expect_failures = [var.ingest_queue_name]
}

run "rejects_short_ingest_age_threshold" {
  command = plan
  variables {
    ingest_queue_age_threshold_seconds = 59
  }
  expect_failures = [var.ingest_queue_age_threshold_seconds]
}

run "rejects_a_pipe_without_its_dlq" {
  command = plan
  variables {
    events_pipe_name = "imgpipe-test-outcome-events"
  }
  expect_failures = [aws_cloudwatch_dashboard.pipeline]
}

run "rejects_bad_events_pipe_name" {
  command = plan
  variables {
    events_pipe_name = "bad name"
    events_dlq_name  = "q"
  }
  expect_failures = [var.events_pipe_name]
}

run "rejects_bad_email" {
  command = plan
  variables {
    alarm_emails = ["ops@example.org", "not-an-email"]
  }
  expect_failures = [var.alarm_emails]
}

run "rejects_bad_kms_key_arn" {
  command = plan
  variables {
    kms_key_arn = "alias/aws/sns"
  }
  expect_failures = [var.kms_key_arn]
}

run "rejects_zero_timeout" {
  command = plan
  variables {
    function_timeout_seconds = 0
  }
  expect_failures = [var.function_timeout_seconds]
}

run "rejects_ratio_of_one" {
  command = plan
  variables {
    duration_alarm_ratio = 1
  }
  expect_failures = [var.duration_alarm_ratio]
}

run "rejects_short_event_age_threshold" {
  command = plan
  variables {
    async_event_age_threshold_seconds = 10
  }
  expect_failures = [var.async_event_age_threshold_seconds]
}

run "rejects_negative_error_threshold" {
  command = plan
  variables {
    processing_errors_threshold = -1
  }
  expect_failures = [var.processing_errors_threshold]
}

run "rejects_bad_function_name" {
  command = plan
  variables {
    function_name = "arn:aws:lambda:eu-west-1:123456789012:function:x"
  }
  expect_failures = [var.function_name]
}

run "rejects_bad_dlq_name" {
  command = plan
  variables {
    dlq_name = "https://sqs.eu-west-1.amazonaws.com/123456789012/q"
  }
  expect_failures = [var.dlq_name]
}

run "rejects_bad_environment" {
  command = plan
  variables {
    environment = "x"
  }
  expect_failures = [var.environment]
}
