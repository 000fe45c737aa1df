# The root stack composed from its modules, against a mocked AWS provider:
# `terraform test` in terraform/ (the s3 backend is not used by tests).

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
  # The processing module validates the ARNs it receives.
  mock_resource "aws_s3_bucket" {
    defaults = {
      arn = "arn:aws:s3:::imgpipe-test-ab12cd-images-123456789012"
    }
  }
  mock_resource "aws_dynamodb_table" {
    defaults = {
      arn        = "arn:aws:dynamodb:eu-west-1:123456789012:table/imgpipe-test-ab12cd-metadata"
      stream_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/imgpipe-test-ab12cd-metadata/stream/2026-12-01T00:00:00.000"
    }
  }
  # The events module validates the bus ARN it targets.
  mock_resource "aws_cloudwatch_event_bus" {
    defaults = {
      arn = "arn:aws:events:eu-west-1:123456789012:event-bus/imgpipe-test-ab12cd-events"
    }
  }
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }
}

variables {
  environment         = "test-ab12cd"
  aws_region          = "eu-west-1"
  lambda_package_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
  events_package_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
}

run "stack_composes_the_modules" {
  command = apply

  assert {
    condition     = output.bucket_name == "imgpipe-test-ab12cd-images-123456789012" && output.table_name == "imgpipe-test-ab12cd-metadata"
    error_message = "Names must derive from name_prefix and environment."
  }
  assert {
    condition     = output.uploads_prefix == "uploads/" && output.thumbnails_prefix == "thumbnails/" && output.status_index_name == "StatusIndex"
    error_message = "The prefixes and index name must be the contract's."
  }
  assert {
    condition     = output.function_name == "imgpipe-test-ab12cd-processor" && output.dashboard_name == "imgpipe-test-ab12cd" && length(output.alarm_names) == 12
    error_message = "The function, dashboard and alarms (eight, two of the events pipe and two of the ingest queue) must exist and be named for the environment."
  }
  assert {
    condition = (output.ingestion == "sqs" && output.ingest_queue_url == module.processing.ingest_queue_url && output.ingest_queue_arn == module.processing.ingest_queue_arn &&
    contains(output.alarm_names, "imgpipe-test-ab12cd-ingest-queue-age") && contains(output.alarm_names, "imgpipe-test-ab12cd-ingest-queue-depth"))
    error_message = "By default uploads go through the ingest queue, which the outputs name and the monitoring module watches."
  }
  assert {
    condition     = module.storage.table_arn == output.table_arn && module.processing.dlq_url == output.dlq_url
    error_message = "The outputs must come from the modules."
  }
  assert {
    condition     = output.aws_region == "eu-west-1" && output.batch_operations_role_arn == null && output.operator_policy_json == module.processing.operator_policy_json
    error_message = "The imgpipe CLI reads the region, the Batch Operations role (none by default) and its policy from the outputs."
  }
  assert {
    condition = (module.events.pipe_name == "imgpipe-test-ab12cd-outcome-events" &&
      output.event_bus_name == "imgpipe-test-ab12cd-events" && output.events_dlq_name == module.events.dlq_name &&
    contains(module.monitoring.alarm_names, "imgpipe-test-ab12cd-events-pipe-failed"))
    error_message = "The events module must read the table's stream onto the environment's bus, watched by the monitoring module."
  }
}

run "deleted_records_expire_only_when_asked" {
  command = plan

  variables {
    deleted_record_ttl_days = 30
  }

  assert {
    condition     = module.storage.table_ttl_attribute == "expiresAt"
    error_message = "deleted_record_ttl_days above 0 must turn on the table's TTL on the contract's attribute."
  }
}

run "deleted_records_kept_by_default" {
  command = plan

  variables {
    deleted_record_ttl_days = 0
  }

  assert {
    condition     = module.storage.table_ttl_attribute == null
    error_message = "Without deleted_record_ttl_days, DELETED records are kept and the table has no TTL."
  }
}

run "direct_ingestion_has_no_queue_alarms" {
  command = apply

  variables {
    ingestion = "direct"
  }

  assert {
    condition     = output.ingestion == "direct" && output.ingest_queue_url == null && length(output.alarm_names) == 10
    error_message = "With ingestion direct there is no ingest queue, nor its alarms (the eight and the events pipe's two remain)."
  }
}

run "boundary_and_released_code_reach_the_function" {
  command = apply

  variables {
    permissions_boundary_arn = "arn:aws:iam::123456789012:policy/imgpipe-ci-boundary"
    lambda_package_s3 = {
      bucket         = "acme-artifacts-eu-west-1"
      key            = "imgpipe/imgpipe-processor-0.2.0-linux-arm64.zip"
      object_version = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
    }
  }

  assert {
    condition     = module.processing.role_permissions_boundary == var.permissions_boundary_arn
    error_message = "The root stack must pass permissions_boundary_arn to the processing module."
  }
  assert {
    condition     = module.processing.code_source == "s3://acme-artifacts-eu-west-1/imgpipe/imgpipe-processor-0.2.0-linux-arm64.zip?versionId=3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
    error_message = "With lambda_package_s3 the root stack must deploy that object, not the local zip."
  }
}

run "disposable_environment_can_be_destroyed" {
  command = plan

  variables {
    force_destroy = true
    memory_size   = 512
  }

  assert {
    condition     = output.uploads_prefix == "uploads/"
    error_message = "The plan must succeed for a disposable environment."
  }
}

run "rejects_bad_region" {
  command = plan
  variables {
    aws_region = "Ireland"
  }
  expect_failures = [var.aws_region]
}

run "prod_without_alarm_emails_is_refused" {
  command = plan
  variables {
    environment  = "prod"
    alarm_emails = []
  }
  expect_failures = [terraform_data.prod_alarms_reach_somebody]
}

run "prod_with_alarm_emails_plans" {
  command = plan
  variables {
    environment  = "prod"
    alarm_emails = ["oncall@example.org"]
  }
  assert {
    condition     = length(module.monitoring.alarm_names) == 12
    error_message = "prod with an alarm address must plan (eight alarms, two of the events pipe and two of the ingest queue)."
  }
}
