# Plan/apply-time checks of the events module against a mocked AWS provider
# (no credentials, no network): `terraform test` in modules/events.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }
  mock_data "aws_region" {
    defaults = {
      region = "eu-west-1"
    }
  }
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }
  mock_resource "aws_sqs_queue" {
    defaults = {
      arn = "arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-outcome-events-dlq"
    }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/imgpipe-test-outcome-events"
    }
  }
  mock_resource "aws_lambda_function" {
    defaults = {
      arn = "arn:aws:lambda:eu-west-1:123456789012:function:imgpipe-test-outcome-events"
    }
  }
  mock_resource "aws_cloudwatch_event_bus" {
    defaults = {
      arn = "arn:aws:events:eu-west-1:123456789012:event-bus/imgpipe-test-events"
    }
  }
}

variables {
  environment             = "test"
  table_stream_arn        = "arn:aws:dynamodb:eu-west-1:123456789012:table/imgpipe-test-metadata/stream/2026-12-01T00:00:00.000"
  enrichment_package_path = "dist/events.zip"
  # A hash given outright: the package need not exist for these tests.
  enrichment_package_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
}

run "pipe_iam_statements_are_exactly_least_privilege" {
  command = apply

  assert {
    condition = {
      for s in data.aws_iam_policy_document.pipe.statement : s.sid => {
        effect    = s.effect
        actions   = toset(s.actions)
        resources = toset(s.resources)
      }
      } == {
      ReadTableStream = {
        effect    = "Allow"
        actions   = toset(["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"])
        resources = toset([var.table_stream_arn])
      }
      ListStreams = {
        effect    = "Allow"
        actions   = toset(["dynamodb:ListStreams"])
        resources = toset(["*"])
      }
      InvokeEnrichment = {
        effect    = "Allow"
        actions   = toset(["lambda:InvokeFunction"])
        resources = toset(["arn:aws:lambda:eu-west-1:123456789012:function:imgpipe-test-outcome-events"])
      }
      PutOutcomeEvents = {
        effect    = "Allow"
        actions   = toset(["events:PutEvents"])
        resources = toset(["arn:aws:events:eu-west-1:123456789012:event-bus/imgpipe-test-events"])
      }
      SendToDeadLetterQueue = {
        effect    = "Allow"
        actions   = toset(["sqs:SendMessage"])
        resources = toset(["arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-outcome-events-dlq"])
      }
    }
    error_message = "The pipe role's statements must be exactly the least-privilege set (sid, actions, resources)."
  }
  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.pipe.statement : length(s.condition) == 0
    ])
    error_message = "Without table_kms_key_arn no statement has a condition."
  }
  assert {
    condition = alltrue(flatten([
      for s in data.aws_iam_policy_document.pipe.statement : [for a in s.actions : !strcontains(a, "*")]
    ]))
    error_message = "No action may contain a wildcard."
  }
  assert {
    condition     = aws_iam_role_policy.pipe.policy == data.aws_iam_policy_document.pipe.json && aws_iam_role_policy.pipe.role == aws_iam_role.pipe.id
    error_message = "The pipe role must carry exactly the least-privilege policy."
  }
  assert {
    condition = (
      one(data.aws_iam_policy_document.pipe_assume.statement).actions == toset(["sts:AssumeRole"]) &&
      one(one(data.aws_iam_policy_document.pipe_assume.statement).principals).identifiers == toset(["pipes.amazonaws.com"]) &&
      { for c in one(data.aws_iam_policy_document.pipe_assume.statement).condition : c.variable => { test = c.test, values = toset(c.values) } } == {
        "aws:SourceAccount" = { test = "StringEquals", values = toset(["123456789012"]) }
        "aws:SourceArn"     = { test = "ArnEquals", values = toset(["arn:aws:pipes:eu-west-1:123456789012:pipe/imgpipe-test-outcome-events"]) }
      }
    )
    error_message = "Only EventBridge Pipes, for this pipe of this account, may assume the pipe role."
  }
}

run "enrichment_may_write_its_logs_only" {
  command = apply

  assert {
    condition = {
      for s in data.aws_iam_policy_document.enrichment.statement : s.sid => {
        effect    = s.effect
        actions   = toset(s.actions)
        resources = toset(s.resources)
      }
      } == {
      WriteLogs = {
        effect    = "Allow"
        actions   = toset(["logs:CreateLogStream", "logs:PutLogEvents"])
        resources = toset(["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/imgpipe-test-outcome-events:*"])
      }
    }
    error_message = "The enrichment role may write its own logs and nothing else."
  }
  assert {
    condition = (aws_lambda_function.enrichment.runtime == "provided.al2023" && aws_lambda_function.enrichment.handler == "bootstrap" &&
      aws_lambda_function.enrichment.architectures == tolist(["arm64"]) && aws_lambda_function.enrichment.memory_size == 128 &&
    aws_lambda_function.enrichment.source_code_hash == var.enrichment_package_hash && aws_lambda_function.enrichment.filename == var.enrichment_package_path)
    error_message = "The enrichment must run the events package's bootstrap on provided.al2023, arm64, 128 MB."
  }
  assert {
    condition     = one(aws_lambda_function.enrichment.logging_config).log_group == aws_cloudwatch_log_group.enrichment.name && aws_cloudwatch_log_group.enrichment.retention_in_days == 30
    error_message = "The enrichment logs into its own log group with the retention input."
  }
}

run "pipe_reads_the_stream_filters_enriches_and_puts_on_the_bus" {
  command = apply

  assert {
    condition = (aws_pipes_pipe.outcomes.name == "imgpipe-test-outcome-events" && aws_pipes_pipe.outcomes.source == var.table_stream_arn &&
      aws_pipes_pipe.outcomes.enrichment == aws_lambda_function.enrichment.arn && aws_pipes_pipe.outcomes.target == aws_cloudwatch_event_bus.outcomes[0].arn &&
    aws_pipes_pipe.outcomes.role_arn == aws_iam_role.pipe.arn && aws_pipes_pipe.outcomes.desired_state == "RUNNING")
    error_message = "The pipe must read the table stream, enrich with the module's function and target the bus."
  }
  assert {
    condition = (
      one(one(aws_pipes_pipe.outcomes.source_parameters).dynamodb_stream_parameters).starting_position == "TRIM_HORIZON" &&
      one(one(aws_pipes_pipe.outcomes.source_parameters).dynamodb_stream_parameters).batch_size == 10 &&
      one(one(aws_pipes_pipe.outcomes.source_parameters).dynamodb_stream_parameters).maximum_retry_attempts == 100 &&
      one(one(aws_pipes_pipe.outcomes.source_parameters).dynamodb_stream_parameters).maximum_record_age_in_seconds == 21600 &&
      one(one(aws_pipes_pipe.outcomes.source_parameters).dynamodb_stream_parameters).on_partial_batch_item_failure == "AUTOMATIC_BISECT" &&
      one(one(one(aws_pipes_pipe.outcomes.source_parameters).dynamodb_stream_parameters).dead_letter_config).arn == aws_sqs_queue.dlq.arn
    )
    error_message = "The stream is read from its oldest record in batches of 10 (PutEvents' limit), failing batches are bisected, retried, then parked in the DLQ."
  }
  assert {
    condition = [
      for f in one(one(aws_pipes_pipe.outcomes.source_parameters).filter_criteria).filter : jsondecode(f.pattern)
      ] == [
      { eventName = ["INSERT"], dynamodb = { NewImage = { status = { S = ["PROCESSED", "FAILED", "DELETED"] } } } },
      { eventName = ["MODIFY"], dynamodb = { NewImage = { status = { S = ["PROCESSED"] } } } },
      { eventName = ["MODIFY"], dynamodb = { NewImage = { status = { S = ["DELETED"] } }, OldImage = { status = { S = [{ "anything-but" = ["DELETED"] }] } } } },
    ]
    error_message = "The filter must pass exactly the stream records that announce a stored outcome (the contract's patterns)."
  }
  assert {
    condition = (
      one(aws_pipes_pipe.outcomes.target_parameters).input_template == "<$.detail>" &&
      one(one(aws_pipes_pipe.outcomes.target_parameters).eventbridge_event_bus_parameters).source == "imgpipe" &&
      one(one(aws_pipes_pipe.outcomes.target_parameters).eventbridge_event_bus_parameters).detail_type == "$.detailType"
    )
    error_message = "Events must have source imgpipe, the enrichment's detail-type and its detail object."
  }
  assert {
    condition     = aws_sqs_queue.dlq.name == "imgpipe-test-outcome-events-dlq" && aws_sqs_queue.dlq.sqs_managed_sse_enabled && aws_sqs_queue.dlq.message_retention_seconds == 1209600
    error_message = "The dead-letter queue must be encrypted and keep messages 14 days."
  }
  assert {
    condition     = aws_cloudwatch_event_bus.outcomes[0].name == "imgpipe-test-events" && output.event_bus_name == "imgpipe-test-events" && output.event_bus_arn == aws_cloudwatch_event_bus.outcomes[0].arn
    error_message = "Without event_bus_arn the module creates and names the bus."
  }
  assert {
    condition     = output.pipe_name == aws_pipes_pipe.outcomes.name && output.dlq_name == aws_sqs_queue.dlq.name
    error_message = "The outputs must name the pipe and its DLQ (the monitoring module watches them)."
  }
}

run "a_given_bus_is_used_as_is" {
  command = apply

  variables {
    event_bus_arn     = "arn:aws:events:eu-west-1:123456789012:event-bus/shared-events"
    table_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition     = length(aws_cloudwatch_event_bus.outcomes) == 0 && aws_pipes_pipe.outcomes.target == var.event_bus_arn && output.event_bus_name == "shared-events"
    error_message = "With event_bus_arn no bus is created and the pipe targets the given one."
  }
  assert {
    condition = toset(flatten([
      for s in data.aws_iam_policy_document.pipe.statement : s.resources if s.sid == "PutOutcomeEvents"
    ])) == toset([var.event_bus_arn])
    error_message = "The pipe may put events on the given bus only."
  }
  assert {
    condition = length([
      for s in data.aws_iam_policy_document.pipe.statement : s
      if s.sid == "DecryptStreamThroughDynamoDB" && toset(s.actions) == toset(["kms:Decrypt"]) && toset(s.resources) == toset([var.table_kms_key_arn]) &&
      anytrue([for c in s.condition : c.test == "StringEquals" && c.variable == "kms:ViaService" && toset(c.values) == toset(["dynamodb.eu-west-1.amazonaws.com"])])
    ]) == 1
    error_message = "With table_kms_key_arn the pipe may decrypt with that key through DynamoDB only."
  }
}

# ------------------------------------------------------------ validations

run "permissions_boundary_reaches_both_roles" {
  command = apply

  variables {
    permissions_boundary_arn = "arn:aws:iam::123456789012:policy/imgpipe-ci-boundary"
  }

  assert {
    condition = (aws_iam_role.pipe.permissions_boundary == "arn:aws:iam::123456789012:policy/imgpipe-ci-boundary" &&
    aws_iam_role.enrichment.permissions_boundary == "arn:aws:iam::123456789012:policy/imgpipe-ci-boundary")
    error_message = "permissions_boundary_arn must be the boundary of the pipe's and the enrichment's roles."
  }
}

run "no_permissions_boundary_by_default" {
  command = apply

  assert {
    condition     = aws_iam_role.pipe.permissions_boundary == null && aws_iam_role.enrichment.permissions_boundary == null
    error_message = "Without permissions_boundary_arn the roles have no boundary."
  }
}

run "rejects_a_bad_permissions_boundary_arn" {
  command = plan
  variables {
    permissions_boundary_arn = "arn:aws:iam::123456789012:role/imgpipe-ci-boundary"
  }
  expect_failures = [var.permissions_boundary_arn]
}

run "rejects_a_table_arn_for_the_stream" {
  command = plan
  variables {
    table_stream_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/imgpipe-test-metadata"
  }
  expect_failures = [var.table_stream_arn]
}

run "rejects_a_bad_bus_arn" {
  command = plan
  variables {
    event_bus_arn = "arn:aws:sqs:eu-west-1:123456789012:queue"
  }
  expect_failures = [var.event_bus_arn]
}

run "rejects_infinite_retries" {
  command = plan
  variables {
    maximum_retry_attempts = -1
  }
  expect_failures = [var.maximum_retry_attempts]
}

run "rejects_a_record_age_past_the_stream_retention" {
  command = plan
  variables {
    maximum_record_age_seconds = 86400
  }
  expect_failures = [var.maximum_record_age_seconds]
}

run "rejects_a_package_that_is_no_zip" {
  command = plan
  variables {
    enrichment_package_path = "dist/bootstrap"
  }
  expect_failures = [var.enrichment_package_path]
}

run "rejects_a_bad_package_hash" {
  command = plan
  variables {
    enrichment_package_hash = "abc"
  }
  expect_failures = [var.enrichment_package_hash]
}

run "rejects_a_bad_table_key" {
  command = plan
  variables {
    table_kms_key_arn = "alias/mine"
  }
  expect_failures = [var.table_kms_key_arn]
}
