# Plan/apply-time checks of the processing module against a mocked AWS
# provider (no credentials, no network): `terraform test` in
# modules/processing. The first runs check the module against
# internal/contract, through the outputs of modules/contract; that those
# (and the generated inputs and environment block here) are current is
# proved on the Go side, in internal/contract/hclgen.

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
  mock_resource "aws_sqs_queue" {
    defaults = {
      arn = "arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-processor-dlq"
    }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/imgpipe-test-processor"
    }
  }
  mock_resource "aws_lambda_function" {
    defaults = {
      arn = "arn:aws:lambda:eu-west-1:123456789012:function:imgpipe-test-processor"
    }
  }
  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::123456789012:role/imgpipe-test-batch-operations"
    }
  }
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }
}

# Both queues come from one mocked type: the ingest queue gets its own ARN.
override_resource {
  target = aws_sqs_queue.ingest
  values = {
    arn = "arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-processor-ingest"
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/imgpipe-test-processor-ingest"
    id  = "https://sqs.eu-west-1.amazonaws.com/123456789012/imgpipe-test-processor-ingest"
  }
}

variables {
  environment         = "test"
  bucket_name         = "imgpipe-test-images-123456789012"
  bucket_arn          = "arn:aws:s3:::imgpipe-test-images-123456789012"
  table_name          = "imgpipe-test-metadata"
  table_arn           = "arn:aws:dynamodb:eu-west-1:123456789012:table/imgpipe-test-metadata"
  lambda_package_path = "dist/processor.zip"
  # A hash given outright: the package need not exist for these tests.
  lambda_package_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
}

# ------------------------------------------------- agreement with contract

# The values of internal/contract, as modules/contract exposes them: the
# runs below compare the module's HCL with them.
run "contract" {
  command = apply

  module {
    source = "../contract"
  }
}

run "environment_uses_only_contract_names" {
  command = apply

  assert {
    condition = alltrue([
      for name in keys(one(aws_lambda_function.processor.environment).variables) : contains(values(run.contract.env), name)
    ])
    error_message = "Every environment variable of the function must be a name of internal/contract (modules/contract's env)."
  }
  assert {
    condition = alltrue([
      for required in [run.contract.env.table_name, run.contract.env.environment] : contains(keys(one(aws_lambda_function.processor.environment).variables), required)
    ])
    error_message = "The variables the Lambda requires (METADATA_TABLE, ENVIRONMENT) must be set."
  }
  assert {
    condition     = !contains(keys(one(aws_lambda_function.processor.environment).variables), run.contract.env.s3_use_path_style)
    error_message = "S3_USE_PATH_STYLE is for the local stack only: Terraform must never set it on AWS."
  }
}

run "defaults_are_the_contracts" {
  command = apply

  assert {
    condition = alltrue([
      for name, value in run.contract.defaults :
      one(aws_lambda_function.processor.environment).variables[run.contract.env[name]] == try(join(",", value), tostring(value))
    ])
    error_message = "Without inputs, the function must get the default internal/contract declares for every setting."
  }
}

# ------------------------------------------------------------ IAM and runtime

run "iam_statements_are_exactly_least_privilege" {
  command = apply

  assert {
    condition = {
      for s in data.aws_iam_policy_document.processor.statement : s.sid => {
        effect    = s.effect
        actions   = toset(s.actions)
        resources = toset(s.resources)
      }
      } == {
      ReadUploads = {
        effect    = "Allow"
        actions   = toset(["s3:GetObject", "s3:GetObjectVersion"])
        resources = toset(["arn:aws:s3:::imgpipe-test-images-123456789012/uploads/*"])
      }
      TellMissingKeysApart = {
        effect    = "Allow"
        actions   = toset(["s3:ListBucket"])
        resources = toset(["arn:aws:s3:::imgpipe-test-images-123456789012"])
      }
      WriteThumbnails = {
        effect    = "Allow"
        actions   = toset(["s3:PutObject"])
        resources = toset(["arn:aws:s3:::imgpipe-test-images-123456789012/thumbnails/*"])
      }
      DeleteThumbnails = {
        effect    = "Allow"
        actions   = toset(["s3:DeleteObject"])
        resources = toset(["arn:aws:s3:::imgpipe-test-images-123456789012/thumbnails/*"])
      }
      ListUploadVersions = {
        effect    = "Allow"
        actions   = toset(["s3:ListBucketVersions"])
        resources = toset(["arn:aws:s3:::imgpipe-test-images-123456789012"])
      }
      WriteMetadata = {
        effect    = "Allow"
        actions   = toset(["dynamodb:PutItem"])
        resources = toset(["arn:aws:dynamodb:eu-west-1:123456789012:table/imgpipe-test-metadata"])
      }
      FindVersionRecords = {
        effect    = "Allow"
        actions   = toset(["dynamodb:Query"])
        resources = toset(["arn:aws:dynamodb:eu-west-1:123456789012:table/imgpipe-test-metadata"])
      }
      WriteLogs = {
        effect    = "Allow"
        actions   = toset(["logs:CreateLogStream", "logs:PutLogEvents"])
        resources = toset(["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/imgpipe-test-processor:*"])
      }
      WriteTraces = {
        effect    = "Allow"
        actions   = toset(["xray:PutTraceSegments", "xray:PutTelemetryRecords"])
        resources = toset(["*"])
      }
      SendToDeadLetterQueue = {
        effect    = "Allow"
        actions   = toset(["sqs:SendMessage"])
        resources = toset(["arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-processor-dlq"])
      }
      ConsumeIngestQueue = {
        effect    = "Allow"
        actions   = toset(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"])
        resources = toset(["arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-processor-ingest"])
      }
    }
    error_message = "The role's statements must be exactly the least-privilege set (sid, actions, resources); with the default ingestion (sqs) that includes reading the ingest queue, and only it."
  }
  assert {
    condition = {
      for s in data.aws_iam_policy_document.processor.statement : s.sid => [
        for c in s.condition : { test = c.test, variable = c.variable, values = toset(c.values) }
      ] if length(s.condition) > 0
      } == {
      ListUploadVersions = [{ test = "StringLike", variable = "s3:prefix", values = toset(["uploads/*"]) }]
    }
    error_message = "Only the version listing has a condition: prefixes under uploads/ only."
  }
  assert {
    condition = alltrue(flatten([
      for s in data.aws_iam_policy_document.processor.statement : [
        for a in s.actions : !strcontains(a, "*")
      ]
    ]))
    error_message = "No action may contain a wildcard."
  }
  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.processor.statement :
      s.sid == "WriteTraces" || !contains(s.resources, "*")
    ])
    error_message = "Only the X-Ray statement (AWS requires it) may use the resource \"*\"."
  }
  assert {
    condition     = aws_iam_role_policy.processor.policy == data.aws_iam_policy_document.processor.json && aws_iam_role_policy.processor.role == aws_iam_role.processor.id
    error_message = "The role's inline policy must be the policy document."
  }
  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.assume.statement :
      toset(s.actions) == toset(["sts:AssumeRole"]) && anytrue([for p in s.principals : p.type == "Service" && toset(p.identifiers) == toset(["lambda.amazonaws.com"])])
    ])
    error_message = "Only the Lambda service may assume the role."
  }
}

run "data_key_grant_only_through_s3_and_dynamodb" {
  command = apply

  variables {
    data_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition = length([
      for s in data.aws_iam_policy_document.processor.statement : s
      if s.sid == "UseDataKeyThroughS3AndDynamoDB" &&
      toset(s.actions) == toset(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]) &&
      toset(s.resources) == toset([var.data_kms_key_arn]) &&
      anytrue([for c in s.condition : c.variable == "kms:ViaService" && toset(c.values) == toset(["s3.eu-west-1.amazonaws.com", "dynamodb.eu-west-1.amazonaws.com"])])
    ]) == 1
    error_message = "With data_kms_key_arn the role may use that key only via S3 and DynamoDB."
  }
}

run "function_runtime_and_environment" {
  command = apply

  assert {
    condition = (aws_lambda_function.processor.runtime == "provided.al2023" && aws_lambda_function.processor.handler == "bootstrap" &&
    aws_lambda_function.processor.architectures == tolist(["arm64"]))
    error_message = "The function must run bootstrap on provided.al2023, arm64."
  }
  assert {
    condition     = aws_lambda_function.processor.function_name == "imgpipe-test-processor" && output.function_name == aws_lambda_function.processor.function_name
    error_message = "The function name must derive from name_prefix and environment."
  }
  assert {
    condition     = aws_lambda_function.processor.source_code_hash == var.lambda_package_hash && aws_lambda_function.processor.filename == var.lambda_package_path
    error_message = "The package path and hash must be the inputs."
  }
  assert {
    condition     = aws_lambda_function.processor.memory_size == 1024 && aws_lambda_function.processor.timeout == 60 && aws_lambda_function.processor.reserved_concurrent_executions == -1
    error_message = "Defaults: 1024 MB, 60 s, unreserved concurrency."
  }
  assert {
    condition     = one(aws_lambda_function.processor.tracing_config).mode == "Active"
    error_message = "X-Ray tracing must be Active."
  }
  assert {
    condition = (one(aws_lambda_function.processor.logging_config).log_format == "JSON" &&
    one(aws_lambda_function.processor.logging_config).log_group == aws_cloudwatch_log_group.processor.name)
    error_message = "Logs must be JSON, into the module's log group."
  }
  assert {
    condition = one(aws_lambda_function.processor.environment).variables == tomap({
      METADATA_TABLE          = "imgpipe-test-metadata"
      ENVIRONMENT             = "test"
      UPLOADS_PREFIX          = "uploads/"
      THUMBNAILS_PREFIX       = "thumbnails/"
      THUMBNAIL_SIZES         = "256,1024"
      JPEG_QUALITY            = "82"
      MAX_IMAGE_BYTES         = "52428800"
      MAX_IMAGE_PIXELS        = "50000000"
      METRIC_NAMESPACE        = "ImageProcessing"
      RECORD_CONCURRENCY      = "4"
      LOG_LEVEL               = "INFO"
      DELETED_RECORD_TTL_DAYS = "0"
      THUMBNAIL_FORMATS       = "jpeg"
      WEBP_QUALITY            = "72"
      AVIF_QUALITY            = "58"
      THUMBNAIL_CACHE_CONTROL = "public, max-age=86400"
      COLOR_OUTPUT            = "srgb"
    })
    error_message = "The function's environment must carry the inputs under the contract's names."
  }
  assert {
    condition     = aws_cloudwatch_log_group.processor.name == "/aws/lambda/imgpipe-test-processor" && aws_cloudwatch_log_group.processor.retention_in_days == 30
    error_message = "The log group must be the function's, with the retention input."
  }
  assert {
    condition     = aws_lambda_function_recursion_config.processor.recursive_loop == "Terminate"
    error_message = "Recursive-loop detection must terminate loops."
  }
}

run "tuning_inputs_reach_the_function" {
  command = apply

  variables {
    memory_size                = 2048
    timeout                    = 120
    reserved_concurrency       = 10
    ingest_maximum_concurrency = 10
    thumbnail_sizes            = [128, 512, 2048]
    jpeg_quality               = 90
    log_level                  = "DEBUG"
    log_retention_days         = 90
    log_kms_key_arn            = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    deleted_record_ttl_days    = 30
  }

  assert {
    condition     = aws_lambda_function.processor.memory_size == 2048 && aws_lambda_function.processor.timeout == 120 && aws_lambda_function.processor.reserved_concurrent_executions == 10
    error_message = "memory_size, timeout and reserved_concurrency must reach the function."
  }
  assert {
    condition = (one(aws_lambda_function.processor.environment).variables["THUMBNAIL_SIZES"] == "128,512,2048" &&
      one(aws_lambda_function.processor.environment).variables["JPEG_QUALITY"] == "90" &&
      one(aws_lambda_function.processor.environment).variables["LOG_LEVEL"] == "DEBUG" &&
    one(aws_lambda_function.processor.environment).variables["DELETED_RECORD_TTL_DAYS"] == "30")
    error_message = "Tuning inputs must reach the function's environment."
  }
  assert {
    condition     = one(aws_lambda_function.processor.logging_config).application_log_level == "TRACE"
    error_message = "Lambda's own log filter must pass every line (EMF metric lines have no level); the process filters by LOG_LEVEL."
  }
  assert {
    condition     = aws_cloudwatch_log_group.processor.retention_in_days == 90 && aws_cloudwatch_log_group.processor.kms_key_id == var.log_kms_key_arn
    error_message = "Log retention and KMS key must reach the log group."
  }
}

run "format_settings_reach_the_function_and_writes_stay_under_thumbnails" {
  command = apply

  variables {
    thumbnail_formats       = ["jpeg", "webp", "avif"]
    webp_quality            = 80
    avif_quality            = 50
    thumbnail_cache_control = "public, max-age=3600"
    color_output            = "preserve"
  }

  assert {
    condition = (one(aws_lambda_function.processor.environment).variables["THUMBNAIL_FORMATS"] == "jpeg,webp,avif" &&
      one(aws_lambda_function.processor.environment).variables["WEBP_QUALITY"] == "80" &&
      one(aws_lambda_function.processor.environment).variables["AVIF_QUALITY"] == "50" &&
      one(aws_lambda_function.processor.environment).variables["THUMBNAIL_CACHE_CONTROL"] == "public, max-age=3600" &&
    one(aws_lambda_function.processor.environment).variables["COLOR_OUTPUT"] == "preserve")
    error_message = "The format settings must reach the function's environment."
  }
  assert {
    condition = [for s in data.aws_iam_policy_document.processor.statement : toset(s.resources) if contains(s.actions, "s3:PutObject")] == [
      toset(["arn:aws:s3:::imgpipe-test-images-123456789012/thumbnails/*"])
    ]
    error_message = "Whatever formats are written, the function may write objects only under the thumbnails prefix."
  }
}

run "format_defaults_write_jpeg_only" {
  command = plan

  assert {
    condition = (one(aws_lambda_function.processor.environment).variables["THUMBNAIL_FORMATS"] == "jpeg" &&
      one(aws_lambda_function.processor.environment).variables["COLOR_OUTPUT"] == "srgb" &&
    one(aws_lambda_function.processor.environment).variables["THUMBNAIL_CACHE_CONTROL"] == "public, max-age=86400")
    error_message = "By default the function writes JPEG thumbnails only, in sRGB, cached for a day."
  }
}

run "rejects_unknown_thumbnail_format" {
  command = plan
  variables {
    thumbnail_formats = ["jpeg", "gif"]
  }
  expect_failures = [var.thumbnail_formats]
}

run "rejects_no_thumbnail_format" {
  command = plan
  variables {
    thumbnail_formats = []
  }
  expect_failures = [var.thumbnail_formats]
}

run "rejects_a_format_twice" {
  command = plan
  variables {
    thumbnail_formats = ["webp", "webp"]
  }
  expect_failures = [var.thumbnail_formats]
}

run "rejects_webp_quality_zero" {
  command = plan
  variables {
    webp_quality = 0
  }
  expect_failures = [var.webp_quality]
}

run "rejects_avif_quality_over_100" {
  command = plan
  variables {
    avif_quality = 101
  }
  expect_failures = [var.avif_quality]
}

run "rejects_cache_control_with_a_newline" {
  command = plan
  variables {
    thumbnail_cache_control = "max-age=60\nX-Injected: 1"
  }
  expect_failures = [var.thumbnail_cache_control]
}

run "rejects_unknown_color_output" {
  command = plan
  variables {
    color_output = "p3"
  }
  expect_failures = [var.color_output]
}

run "direct_trigger_on_uploads_prefix_only" {
  command = apply

  variables {
    ingestion = "direct"
  }

  assert {
    condition     = aws_s3_bucket_notification.uploads.bucket == var.bucket_name && length(aws_s3_bucket_notification.uploads.lambda_function) == 1 && length(aws_s3_bucket_notification.uploads.queue) == 0
    error_message = "Ingestion direct: one Lambda notification on the image bucket, no queue."
  }
  assert {
    condition = (length(aws_sqs_queue.ingest) == 0 && length(aws_sqs_queue_policy.ingest) == 0 && length(aws_lambda_event_source_mapping.ingest) == 0 &&
    output.ingestion == "direct" && output.ingest_queue_url == null && output.event_source_mapping_uuid == null)
    error_message = "Ingestion direct has no ingest queue, queue policy or event source mapping."
  }
  assert {
    condition     = length([for st in data.aws_iam_policy_document.processor.statement : st if st.sid == "ConsumeIngestQueue" || anytrue([for a in st.actions : a == "sqs:ReceiveMessage"])]) == 0
    error_message = "Ingestion direct: the role may read no queue."
  }
  assert {
    condition     = length([for st in data.aws_iam_policy_document.operator.statement : st if contains(["MoveDeadLettersBack", "RefillIngestQueue"], st.sid)]) == 0
    error_message = "Ingestion direct: the operator may not start message moves (SQS supports them only from a queue's DLQ)."
  }
  assert {
    condition = (one(aws_s3_bucket_notification.uploads.lambda_function).filter_prefix == run.contract.uploads_prefix &&
      one(aws_s3_bucket_notification.uploads.lambda_function).events == toset(["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]) &&
    one(aws_s3_bucket_notification.uploads.lambda_function).lambda_function_arn == aws_lambda_function.processor.arn)
    error_message = "The notification must send every object created or removed under the contract's uploads prefix to the function."
  }
  assert {
    condition     = one(aws_s3_bucket_notification.uploads.lambda_function).filter_suffix == null
    error_message = "No suffix filter: S3 suffixes are case-sensitive and the function sniffs content."
  }
  assert {
    condition = (aws_lambda_permission.s3_invoke[0].principal == "s3.amazonaws.com" && aws_lambda_permission.s3_invoke[0].action == "lambda:InvokeFunction" &&
      aws_lambda_permission.s3_invoke[0].source_arn == var.bucket_arn && aws_lambda_permission.s3_invoke[0].source_account == "123456789012" &&
    aws_lambda_permission.s3_invoke[0].function_name == aws_lambda_function.processor.function_name)
    error_message = "Only S3, for this bucket in this account, may invoke the function."
  }
}

# ------------------------------------------------------- ingestion "sqs"

run "sqs_trigger_is_the_ingest_queue" {
  command = apply

  assert {
    condition     = output.ingestion == "sqs" && length(aws_s3_bucket_notification.uploads.lambda_function) == 0 && length(aws_s3_bucket_notification.uploads.queue) == 1
    error_message = "The default ingestion (sqs): the bucket notifies one queue and never the function."
  }
  assert {
    condition = (one(aws_s3_bucket_notification.uploads.queue).queue_arn == aws_sqs_queue.ingest[0].arn &&
      one(aws_s3_bucket_notification.uploads.queue).filter_prefix == run.contract.uploads_prefix &&
      one(aws_s3_bucket_notification.uploads.queue).filter_suffix == null &&
    one(aws_s3_bucket_notification.uploads.queue).events == toset(["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]))
    error_message = "The ingest queue gets the events the direct trigger would send the function: the same event types, under the contract's uploads prefix, no suffix filter."
  }
  assert {
    condition     = length(aws_lambda_permission.s3_invoke) == 0
    error_message = "With ingestion sqs, S3 may not invoke the function."
  }
  assert {
    condition = (aws_sqs_queue.ingest[0].name == "imgpipe-test-processor-ingest" && aws_sqs_queue.ingest[0].sqs_managed_sse_enabled &&
    aws_sqs_queue.ingest[0].message_retention_seconds == 345600)
    error_message = "The ingest queue is named for the function, encrypted (SSE-SQS) and keeps messages 4 days."
  }
  assert {
    condition     = jsondecode(aws_sqs_queue.ingest[0].redrive_policy) == { deadLetterTargetArn = aws_sqs_queue.dlq.arn, maxReceiveCount = 5 }
    error_message = "The ingest queue redrives to the dead-letter queue after 5 receives (maxReceiveCount a number)."
  }
  assert {
    condition     = output.ingest_queue_arn == aws_sqs_queue.ingest[0].arn && output.ingest_queue_url == aws_sqs_queue.ingest[0].url && output.ingest_queue_name == aws_sqs_queue.ingest[0].name && output.event_source_mapping_uuid == aws_lambda_event_source_mapping.ingest[0].uuid
    error_message = "The outputs name the ingest queue and the mapping."
  }
}

run "sqs_queue_policy_accepts_only_this_bucket_and_account" {
  command = apply

  assert {
    condition = [for st in data.aws_iam_policy_document.ingest_queue[0].statement : {
      sid        = st.sid
      effect     = st.effect
      actions    = toset(st.actions)
      resources  = toset(st.resources)
      principals = [for p in st.principals : { type = p.type, identifiers = toset(p.identifiers) }]
      conditions = toset([for c in st.condition : { test = c.test, variable = c.variable, values = toset(c.values) }])
      }] == [
      {
        sid        = "BucketNotificationsOnly"
        effect     = "Allow"
        actions    = toset(["sqs:SendMessage"])
        resources  = toset(["arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-processor-ingest"])
        principals = [{ type = "Service", identifiers = toset(["s3.amazonaws.com"]) }]
        conditions = toset([
          { test = "ArnEquals", variable = "aws:SourceArn", values = toset(["arn:aws:s3:::imgpipe-test-images-123456789012"]) },
          { test = "StringEquals", variable = "aws:SourceAccount", values = toset(["123456789012"]) },
        ])
      },
      {
        sid        = "DenyInsecureTransport"
        effect     = "Deny"
        actions    = toset(["sqs:*"])
        resources  = toset(["arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-processor-ingest"])
        principals = [{ type = "*", identifiers = toset(["*"]) }]
        conditions = toset([{ test = "Bool", variable = "aws:SecureTransport", values = toset(["false"]) }])
      },
    ]
    error_message = "Only S3 sending this bucket's notifications for this account may send to the ingest queue, and nobody without TLS."
  }
  assert {
    condition     = aws_sqs_queue_policy.ingest[0].queue_url == aws_sqs_queue.ingest[0].id && aws_sqs_queue_policy.ingest[0].policy == data.aws_iam_policy_document.ingest_queue[0].json
    error_message = "The policy document is the ingest queue's policy."
  }
}

run "sqs_event_source_mapping" {
  command = apply

  variables {
    ingest_batch_size              = 50
    ingest_batching_window_seconds = 2
    ingest_maximum_concurrency     = 20
  }

  assert {
    condition = (aws_lambda_event_source_mapping.ingest[0].event_source_arn == aws_sqs_queue.ingest[0].arn &&
    aws_lambda_event_source_mapping.ingest[0].function_name == aws_lambda_function.processor.arn && aws_lambda_event_source_mapping.ingest[0].enabled)
    error_message = "The mapping drains the ingest queue into the function."
  }
  assert {
    condition = (aws_lambda_event_source_mapping.ingest[0].batch_size == 50 && aws_lambda_event_source_mapping.ingest[0].maximum_batching_window_in_seconds == 2 &&
    one(aws_lambda_event_source_mapping.ingest[0].scaling_config).maximum_concurrency == 20)
    error_message = "Batch size, batching window and maximum concurrency are the inputs."
  }
  assert {
    condition     = aws_lambda_event_source_mapping.ingest[0].function_response_types == toset(["ReportBatchItemFailures"])
    error_message = "Partial batch responses: only the messages the function names are retried."
  }
}

run "sqs_visibility_timeout_is_six_function_timeouts" {
  command = apply

  assert {
    condition     = aws_sqs_queue.ingest[0].visibility_timeout_seconds == 6 * 60
    error_message = "By default the visibility timeout is six times the function's timeout (60 s)."
  }
}

run "sqs_visibility_timeout_adds_the_batching_window" {
  command = apply

  variables {
    timeout                        = 120
    ingest_batching_window_seconds = 5
  }

  assert {
    condition     = aws_sqs_queue.ingest[0].visibility_timeout_seconds == 6 * 120 + 5
    error_message = "The visibility timeout follows the function's timeout, plus the batching window."
  }
}

run "sqs_visibility_timeout_may_be_longer" {
  command = apply

  variables {
    ingest_visibility_timeout_seconds = 900
  }

  assert {
    condition     = aws_sqs_queue.ingest[0].visibility_timeout_seconds == 900
    error_message = "A visibility timeout over the minimum is taken as given."
  }
}

run "rejects_visibility_timeout_under_six_function_timeouts" {
  command = plan
  variables {
    ingest_visibility_timeout_seconds = 359
  }
  expect_failures = [aws_sqs_queue.ingest]
}

run "rejects_visibility_timeout_over_the_sqs_maximum" {
  command = plan
  variables {
    ingest_visibility_timeout_seconds = 43201
  }
  expect_failures = [var.ingest_visibility_timeout_seconds]
}

run "rejects_maximum_concurrency_over_reserved_concurrency" {
  command = plan
  variables {
    reserved_concurrency       = 10
    ingest_maximum_concurrency = 11
  }
  expect_failures = [aws_lambda_event_source_mapping.ingest]
}

run "rejects_batch_over_ten_without_batching_window" {
  command = plan
  variables {
    ingest_batch_size = 11
  }
  expect_failures = [aws_lambda_event_source_mapping.ingest]
}

run "rejects_unknown_ingestion" {
  command = plan
  variables {
    ingestion = "kinesis"
  }
  expect_failures = [var.ingestion]
}

run "rejects_maximum_concurrency_of_one" {
  command = plan
  variables {
    ingest_maximum_concurrency = 1
  }
  expect_failures = [var.ingest_maximum_concurrency]
}

run "rejects_zero_batch_size" {
  command = plan
  variables {
    ingest_batch_size = 0
  }
  expect_failures = [var.ingest_batch_size]
}

run "rejects_zero_max_receive_count" {
  command = plan
  variables {
    ingest_max_receive_count = 0
  }
  expect_failures = [var.ingest_max_receive_count]
}

run "rejects_retention_over_the_dlq_retention" {
  command = plan
  variables {
    ingest_message_retention_seconds = 1209601
  }
  expect_failures = [var.ingest_message_retention_seconds]
}

run "async_failures_go_to_an_encrypted_dlq" {
  command = apply

  variables {
    maximum_retry_attempts    = 1
    maximum_event_age_seconds = 3600
  }

  assert {
    condition = (aws_lambda_function_event_invoke_config.processor.maximum_retry_attempts == 1 &&
    aws_lambda_function_event_invoke_config.processor.maximum_event_age_in_seconds == 3600)
    error_message = "Retries and event age must be the inputs."
  }
  assert {
    condition     = one(one(aws_lambda_function_event_invoke_config.processor.destination_config).on_failure).destination == aws_sqs_queue.dlq.arn
    error_message = "Failed events must go to the dead-letter queue."
  }
  assert {
    condition     = aws_sqs_queue.dlq.message_retention_seconds == 1209600 && aws_sqs_queue.dlq.sqs_managed_sse_enabled
    error_message = "The dead-letter queue must keep messages 14 days, encrypted."
  }
  assert {
    condition     = output.dlq_arn == aws_sqs_queue.dlq.arn && output.dlq_name == "imgpipe-test-processor-dlq"
    error_message = "The outputs must name the dead-letter queue."
  }
}

# ------------------------------------------------------------ validations

run "rejects_too_little_memory" {
  command = plan
  variables {
    memory_size = 64
  }
  expect_failures = [var.memory_size]
}

run "rejects_too_much_memory" {
  command = plan
  variables {
    memory_size = 10241
  }
  expect_failures = [var.memory_size]
}

run "rejects_zero_timeout" {
  command = plan
  variables {
    timeout = 0
  }
  expect_failures = [var.timeout]
}

run "rejects_too_long_timeout" {
  command = plan
  variables {
    timeout = 901
  }
  expect_failures = [var.timeout]
}

run "rejects_negative_reserved_concurrency" {
  command = plan
  variables {
    reserved_concurrency = -1
  }
  expect_failures = [var.reserved_concurrency]
}

run "rejects_three_retries" {
  command = plan
  variables {
    maximum_retry_attempts = 3
  }
  expect_failures = [var.maximum_retry_attempts]
}

run "rejects_too_young_event_age" {
  command = plan
  variables {
    maximum_event_age_seconds = 59
  }
  expect_failures = [var.maximum_event_age_seconds]
}

run "rejects_too_old_event_age" {
  command = plan
  variables {
    maximum_event_age_seconds = 21601
  }
  expect_failures = [var.maximum_event_age_seconds]
}

run "rejects_unsupported_log_retention" {
  command = plan
  variables {
    log_retention_days = 2
  }
  expect_failures = [var.log_retention_days]
}

run "rejects_bad_log_kms_key_arn" {
  command = plan
  variables {
    log_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:alias/logs"
  }
  expect_failures = [var.log_kms_key_arn]
}

run "rejects_bad_data_kms_key_arn" {
  command = plan
  variables {
    data_kms_key_arn = "1234abcd-12ab-34cd-56ef-1234567890ab"
  }
  expect_failures = [var.data_kms_key_arn]
}

run "rejects_too_small_thumbnail" {
  command = plan
  variables {
    thumbnail_sizes = [8]
  }
  expect_failures = [var.thumbnail_sizes]
}

run "rejects_too_large_thumbnail" {
  command = plan
  variables {
    thumbnail_sizes = [256, 5000]
  }
  expect_failures = [var.thumbnail_sizes]
}

run "rejects_no_thumbnail_sizes" {
  command = plan
  variables {
    thumbnail_sizes = []
  }
  expect_failures = [var.thumbnail_sizes]
}

run "rejects_nine_thumbnail_sizes" {
  command = plan
  variables {
    thumbnail_sizes = [16, 32, 64, 128, 256, 512, 1024, 2048, 4096]
  }
  expect_failures = [var.thumbnail_sizes]
}

run "rejects_jpeg_quality_zero" {
  command = plan
  variables {
    jpeg_quality = 0
  }
  expect_failures = [var.jpeg_quality]
}

run "rejects_jpeg_quality_over_100" {
  command = plan
  variables {
    jpeg_quality = 101
  }
  expect_failures = [var.jpeg_quality]
}

run "rejects_zero_max_image_bytes" {
  command = plan
  variables {
    max_image_bytes = 0
  }
  expect_failures = [var.max_image_bytes]
}

run "rejects_zero_max_image_pixels" {
  command = plan
  variables {
    max_image_pixels = 0
  }
  expect_failures = [var.max_image_pixels]
}

run "rejects_too_many_record_workers" {
  command = plan
  variables {
    record_concurrency = 65
  }
  expect_failures = [var.record_concurrency]
}

run "rejects_unknown_log_level" {
  command = plan
  variables {
    log_level = "TRACE"
  }
  expect_failures = [var.log_level]
}

run "rejects_package_that_is_no_zip" {
  command = plan
  variables {
    lambda_package_path = "dist/bootstrap"
  }
  expect_failures = [var.lambda_package_path]
}

run "rejects_bad_package_hash" {
  command = plan
  variables {
    lambda_package_hash = "not-a-hash"
  }
  expect_failures = [var.lambda_package_hash]
}

run "rejects_bad_environment" {
  command = plan
  variables {
    environment = "Test"
  }
  expect_failures = [var.environment]
}

run "rejects_bucket_name_for_arn" {
  command = plan
  variables {
    bucket_arn = "imgpipe-test-images-123456789012"
  }
  expect_failures = [var.bucket_arn]
}

run "rejects_table_name_for_arn" {
  command = plan
  variables {
    table_arn = "imgpipe-test-metadata"
  }
  expect_failures = [var.table_arn]
}

run "rejects_bad_bucket_name" {
  command = plan
  variables {
    bucket_name = "Bad_Bucket"
  }
  expect_failures = [var.bucket_name]
}

run "rejects_bad_table_name" {
  command = plan
  variables {
    table_name = "a"
  }
  expect_failures = [var.table_name]
}

run "rejects_negative_deleted_record_ttl" {
  command = plan
  variables {
    deleted_record_ttl_days = -1
  }
  expect_failures = [var.deleted_record_ttl_days]
}

run "rejects_fractional_deleted_record_ttl" {
  command = plan
  variables {
    deleted_record_ttl_days = 1.5
  }
  expect_failures = [var.deleted_record_ttl_days]
}

# ------------------------------------------------------ code and boundary

run "code_from_a_released_zip_in_s3" {
  command = apply

  variables {
    lambda_package_path = null
    lambda_package_s3 = {
      bucket         = "acme-artifacts-eu-west-1"
      key            = "imgpipe/imgpipe-processor-0.2.0-linux-arm64.zip"
      object_version = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
    }
  }

  assert {
    condition = (aws_lambda_function.processor.s3_bucket == "acme-artifacts-eu-west-1" &&
      aws_lambda_function.processor.s3_key == "imgpipe/imgpipe-processor-0.2.0-linux-arm64.zip" &&
      aws_lambda_function.processor.s3_object_version == "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY" &&
    aws_lambda_function.processor.filename == null)
    error_message = "With lambda_package_s3 the function's code must be that S3 object version, and no local file."
  }
  assert {
    condition     = aws_lambda_function.processor.source_code_hash == var.lambda_package_hash
    error_message = "A given package hash must reach source_code_hash."
  }
}

run "code_from_s3_without_version_or_hash" {
  command = plan

  variables {
    lambda_package_path = null
    lambda_package_hash = null
    lambda_package_s3 = {
      bucket = "acme-artifacts-eu-west-1"
      key    = "imgpipe/imgpipe-processor-0.2.0-linux-arm64.zip"
    }
  }

  assert {
    condition     = output.code_source == "s3://acme-artifacts-eu-west-1/imgpipe/imgpipe-processor-0.2.0-linux-arm64.zip"
    error_message = "Without object_version the function deploys the object's current version (and reads no local file)."
  }
}

run "rejects_both_a_local_zip_and_an_s3_object" {
  command = plan

  variables {
    lambda_package_s3 = {
      bucket = "acme-artifacts-eu-west-1"
      key    = "imgpipe/imgpipe-processor-0.2.0-linux-arm64.zip"
    }
  }

  expect_failures = [aws_lambda_function.processor]
}

run "rejects_neither_a_local_zip_nor_an_s3_object" {
  command = plan

  variables {
    lambda_package_path = null
  }

  expect_failures = [aws_lambda_function.processor]
}

run "rejects_s3_package_with_a_bad_bucket" {
  command = plan
  variables {
    lambda_package_path = null
    lambda_package_s3 = {
      bucket = "Not_A_Bucket"
      key    = "imgpipe.zip"
    }
  }
  expect_failures = [var.lambda_package_s3]
}

run "rejects_s3_package_that_is_no_zip" {
  command = plan
  variables {
    lambda_package_path = null
    lambda_package_s3 = {
      bucket = "acme-artifacts-eu-west-1"
      key    = "imgpipe/bootstrap"
    }
  }
  expect_failures = [var.lambda_package_s3]
}

run "rejects_s3_package_with_an_empty_version" {
  command = plan
  variables {
    lambda_package_path = null
    lambda_package_s3 = {
      bucket         = "acme-artifacts-eu-west-1"
      key            = "imgpipe/imgpipe-processor-0.2.0-linux-arm64.zip"
      object_version = ""
    }
  }
  expect_failures = [var.lambda_package_s3]
}

run "permissions_boundary_reaches_the_role" {
  command = apply

  variables {
    permissions_boundary_arn     = "arn:aws:iam::123456789012:policy/imgpipe-ci-boundary"
    create_batch_operations_role = true
  }

  assert {
    condition     = aws_iam_role.processor.permissions_boundary == "arn:aws:iam::123456789012:policy/imgpipe-ci-boundary"
    error_message = "permissions_boundary_arn must be the function role's permissions boundary."
  }
  assert {
    condition     = aws_iam_role.batch_operations[0].permissions_boundary == "arn:aws:iam::123456789012:policy/imgpipe-ci-boundary"
    error_message = "permissions_boundary_arn must be the S3 Batch Operations role's permissions boundary too."
  }
}

run "no_permissions_boundary_by_default" {
  command = plan

  assert {
    condition     = aws_iam_role.processor.permissions_boundary == null
    error_message = "Without permissions_boundary_arn the role has no boundary."
  }
}

run "rejects_bad_permissions_boundary_arn" {
  command = plan
  variables {
    permissions_boundary_arn = "arn:aws:iam::123456789012:role/imgpipe-ci-boundary"
  }
  expect_failures = [var.permissions_boundary_arn]
}

run "no_batch_operations_role_by_default" {
  command = apply

  assert {
    condition     = length(aws_iam_role.batch_operations) == 0 && output.batch_operations_role_arn == null
    error_message = "The Batch Operations role must be opt-in."
  }
  assert {
    condition     = length([for s in data.aws_iam_policy_document.operator.statement : s if contains(["CreateBatchJobs", "PassBatchRole", "FollowBatchJobs", "WriteBatchManifests", "ReadBatchReports"], s.sid)]) == 0
    error_message = "Without the role the operator policy grants nothing about batch jobs."
  }
}

run "batch_operations_role_is_exactly_least_privilege" {
  command = apply

  variables {
    create_batch_operations_role          = true
    batch_operations_manifest_bucket_arns = ["arn:aws:s3:::imgpipe-test-inventory"]
  }

  assert {
    condition     = aws_iam_role.batch_operations[0].name == "imgpipe-test-batch-operations" && output.batch_operations_role_arn == aws_iam_role.batch_operations[0].arn
    error_message = "The role is named for the environment and output."
  }
  assert {
    condition = [for s in data.aws_iam_policy_document.batch_operations_assume[0].statement : {
      actions    = toset(s.actions)
      principals = [for p in s.principals : { type = p.type, identifiers = toset(p.identifiers) }]
      conditions = [for c in s.condition : { test = c.test, variable = c.variable, values = toset(c.values) }]
      }] == [{
      actions    = toset(["sts:AssumeRole"])
      principals = [{ type = "Service", identifiers = toset(["batchoperations.s3.amazonaws.com"]) }]
      conditions = [{ test = "StringEquals", variable = "aws:SourceAccount", values = toset(["123456789012"]) }]
    }]
    error_message = "Only S3 Batch Operations of this account may assume the role."
  }
  assert {
    condition = {
      for s in data.aws_iam_policy_document.batch_operations[0].statement : s.sid => {
        effect    = s.effect
        actions   = toset(s.actions)
        resources = toset(s.resources)
      }
      } == {
      InvokeProcessor = {
        effect    = "Allow"
        actions   = toset(["lambda:InvokeFunction"])
        resources = toset(["arn:aws:lambda:eu-west-1:123456789012:function:imgpipe-test-processor"])
      }
      ReadManifests = {
        effect  = "Allow"
        actions = toset(["s3:GetObject", "s3:GetObjectVersion"])
        resources = toset([
          "arn:aws:s3:::imgpipe-test-images-123456789012/batch-operations/manifests/*",
          "arn:aws:s3:::imgpipe-test-inventory/*",
        ])
      }
      WriteReports = {
        effect    = "Allow"
        actions   = toset(["s3:PutObject"])
        resources = toset(["arn:aws:s3:::imgpipe-test-images-123456789012/batch-operations/reports/*"])
      }
      LocateBuckets = {
        effect    = "Allow"
        actions   = toset(["s3:GetBucketLocation"])
        resources = toset(["arn:aws:s3:::imgpipe-test-images-123456789012", "arn:aws:s3:::imgpipe-test-inventory"])
      }
    }
    error_message = "The Batch Operations role must hold exactly these statements."
  }
}

run "operator_policy_is_exactly_what_the_cli_needs" {
  command = apply

  variables {
    create_batch_operations_role = true
  }

  assert {
    condition = {
      for s in data.aws_iam_policy_document.operator.statement : s.sid => {
        effect    = s.effect
        actions   = toset(s.actions)
        resources = toset(s.resources)
      }
      } == {
      ListImages = {
        effect    = "Allow"
        actions   = toset(["s3:ListBucket", "s3:ListBucketVersions"])
        resources = toset(["arn:aws:s3:::imgpipe-test-images-123456789012"])
      }
      DeleteOrphanThumbnails = {
        effect    = "Allow"
        actions   = toset(["s3:DeleteObject"])
        resources = toset(["arn:aws:s3:::imgpipe-test-images-123456789012/thumbnails/*"])
      }
      ReadRecords = {
        effect  = "Allow"
        actions = toset(["dynamodb:Query"])
        resources = toset([
          "arn:aws:dynamodb:eu-west-1:123456789012:table/imgpipe-test-metadata",
          "arn:aws:dynamodb:eu-west-1:123456789012:table/imgpipe-test-metadata/index/StatusIndex",
        ])
      }
      InvokeProcessor = {
        effect    = "Allow"
        actions   = toset(["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"])
        resources = toset(["arn:aws:lambda:eu-west-1:123456789012:function:imgpipe-test-processor"])
      }
      DrainDeadLetterQueue = {
        effect    = "Allow"
        actions   = toset(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"])
        resources = toset(["arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-processor-dlq"])
      }
      MoveDeadLettersBack = {
        effect    = "Allow"
        actions   = toset(["sqs:StartMessageMoveTask", "sqs:ListMessageMoveTasks", "sqs:CancelMessageMoveTask"])
        resources = toset(["arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-processor-dlq"])
      }
      RefillIngestQueue = {
        effect    = "Allow"
        actions   = toset(["sqs:SendMessage", "sqs:GetQueueAttributes"])
        resources = toset(["arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-processor-ingest"])
      }
      ReadAlarms = {
        effect    = "Allow"
        actions   = toset(["cloudwatch:DescribeAlarms"])
        resources = toset(["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:imgpipe-test-*"])
      }
      ReadQueueAge = {
        effect    = "Allow"
        actions   = toset(["cloudwatch:GetMetricStatistics"])
        resources = toset(["*"])
      }
      WriteBatchManifests = {
        effect    = "Allow"
        actions   = toset(["s3:PutObject"])
        resources = toset(["arn:aws:s3:::imgpipe-test-images-123456789012/batch-operations/manifests/*"])
      }
      ReadBatchReports = {
        effect    = "Allow"
        actions   = toset(["s3:GetObject"])
        resources = toset(["arn:aws:s3:::imgpipe-test-images-123456789012/batch-operations/reports/*"])
      }
      CreateBatchJobs = {
        effect    = "Allow"
        actions   = toset(["s3:CreateJob"])
        resources = toset(["*"])
      }
      FollowBatchJobs = {
        effect    = "Allow"
        actions   = toset(["s3:DescribeJob"])
        resources = toset(["arn:aws:s3:eu-west-1:123456789012:job/*"])
      }
      PassBatchRole = {
        effect    = "Allow"
        actions   = toset(["iam:PassRole"])
        resources = toset(["arn:aws:iam::123456789012:role/imgpipe-test-batch-operations"])
      }
    }
    error_message = "The operator policy must hold exactly these statements."
  }
  assert {
    condition = [for s in data.aws_iam_policy_document.operator.statement : [for c in s.condition : { test = c.test, variable = c.variable, values = toset(c.values) }] if s.sid == "PassBatchRole"] == [[
      { test = "StringEquals", variable = "iam:PassedToService", values = toset(["batchoperations.s3.amazonaws.com"]) }
    ]]
    error_message = "The role may be passed to S3 Batch Operations only."
  }
  assert {
    condition     = output.operator_policy_json == data.aws_iam_policy_document.operator.json
    error_message = "The operator policy is an output."
  }
}

run "data_key_for_batch_role_and_operator_only_through_services" {
  command = apply

  variables {
    create_batch_operations_role = true
    data_kms_key_arn             = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition = [for s in data.aws_iam_policy_document.batch_operations[0].statement : {
      actions = toset(s.actions), via = flatten([for c in s.condition : c.values])
      } if s.sid == "UseDataKeyThroughS3"] == [{
      actions = toset(["kms:Decrypt", "kms:GenerateDataKey"]), via = ["s3.eu-west-1.amazonaws.com"]
    }]
    error_message = "The Batch Operations role may use the data key through S3 only."
  }
  assert {
    condition = [for s in data.aws_iam_policy_document.operator.statement : {
      actions = toset(s.actions), via = toset(flatten([for c in s.condition : c.values]))
      } if s.sid == "UseDataKeyThroughS3AndDynamoDB"] == [{
      actions = toset(["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]), via = toset(["s3.eu-west-1.amazonaws.com", "dynamodb.eu-west-1.amazonaws.com"])
    }]
    error_message = "The operator may use the data key through S3 and DynamoDB only."
  }
}

run "rejects_bad_manifest_bucket_arn" {
  command = plan
  variables {
    create_batch_operations_role          = true
    batch_operations_manifest_bucket_arns = ["imgpipe-test-inventory"]
  }
  expect_failures = [var.batch_operations_manifest_bucket_arns]
}
