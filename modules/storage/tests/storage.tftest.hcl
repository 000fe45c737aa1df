# Plan/apply-time checks of the storage module against a mocked AWS provider
# (no credentials, no network): `terraform test` in modules/storage.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }
}

variables {
  environment = "test"
}

run "bucket_is_private_versioned_and_encrypted" {
  command = apply

  assert {
    condition     = aws_s3_bucket.images.bucket == "imgpipe-test-images-123456789012"
    error_message = "The bucket name must derive from name_prefix, environment and the account."
  }
  assert {
    condition     = aws_s3_bucket.images.force_destroy == false
    error_message = "force_destroy must default to false."
  }
  assert {
    condition     = one(aws_s3_bucket_versioning.images.versioning_configuration).status == "Enabled"
    error_message = "Versioning must be enabled."
  }
  assert {
    condition = (aws_s3_bucket_public_access_block.images.block_public_acls && aws_s3_bucket_public_access_block.images.block_public_policy &&
    aws_s3_bucket_public_access_block.images.ignore_public_acls && aws_s3_bucket_public_access_block.images.restrict_public_buckets)
    error_message = "Every public access block setting must be on."
  }
  assert {
    condition     = one(aws_s3_bucket_ownership_controls.images.rule).object_ownership == "BucketOwnerEnforced"
    error_message = "Object ownership must be BucketOwnerEnforced (ACLs disabled)."
  }
  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.images.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "Without kms_key_arn the bucket must use SSE-S3 (AES256)."
  }
}

run "bucket_policy_denies_requests_without_tls" {
  command = apply

  assert {
    condition = length([
      for s in data.aws_iam_policy_document.bucket.statement : s
      if s.sid == "DenyInsecureTransport" && s.effect == "Deny" && toset(s.actions) == toset(["s3:*"]) &&
      toset(s.resources) == toset([aws_s3_bucket.images.arn, "${aws_s3_bucket.images.arn}/*"]) &&
      anytrue([for p in s.principals : p.type == "*" && toset(p.identifiers) == toset(["*"])]) &&
      anytrue([for c in s.condition : c.test == "Bool" && c.variable == "aws:SecureTransport" && toset(c.values) == toset(["false"])])
    ]) == 1
    error_message = "The bucket policy must deny s3:* on the bucket and its objects to everyone when aws:SecureTransport is false."
  }
  assert {
    condition = length([
      for s in data.aws_iam_policy_document.bucket.statement : s
      if s.effect == "Deny" && anytrue([for c in s.condition : c.test == "NumericLessThan" && c.variable == "s3:TlsVersion" && toset(c.values) == toset(["1.2"])])
    ]) == 1
    error_message = "The bucket policy must deny TLS older than 1.2."
  }
  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.bucket.statement : s.effect == "Deny"])
    error_message = "The bucket policy must only deny: access is granted by IAM."
  }
  assert {
    condition     = aws_s3_bucket_policy.images.policy == data.aws_iam_policy_document.bucket.json
    error_message = "The bucket policy must be the policy document."
  }
}

run "lifecycle_expires_noncurrent_versions_and_aborts_multipart_uploads" {
  command = apply

  variables {
    noncurrent_version_expiration_days = 45
    abort_incomplete_multipart_days    = 3
  }

  assert {
    condition = anytrue([
      for r in aws_s3_bucket_lifecycle_configuration.images.rule :
      r.status == "Enabled" && try(one(r.noncurrent_version_expiration).noncurrent_days, null) == 45
    ])
    error_message = "An enabled rule must expire noncurrent versions after noncurrent_version_expiration_days."
  }
  assert {
    condition = anytrue([
      for r in aws_s3_bucket_lifecycle_configuration.images.rule :
      r.status == "Enabled" && try(one(r.abort_incomplete_multipart_upload).days_after_initiation, null) == 3
    ])
    error_message = "An enabled rule must abort incomplete multipart uploads after abort_incomplete_multipart_days."
  }
  assert {
    condition     = length(aws_s3_bucket_lifecycle_configuration.images.rule) == 2 && alltrue([for r in aws_s3_bucket_lifecycle_configuration.images.rule : length(r.filter) == 1])
    error_message = "Every lifecycle rule must carry a filter (empty: every object); provider 5.90+ warns, and will fail, without one."
  }
}

run "table_matches_the_contract" {
  command = apply

  assert {
    condition     = aws_dynamodb_table.metadata.name == "imgpipe-test-metadata"
    error_message = "The table name must derive from name_prefix and environment."
  }
  assert {
    condition     = aws_dynamodb_table.metadata.hash_key == "imageId" && aws_dynamodb_table.metadata.range_key == "uploadTimestamp"
    error_message = "The table keys must be the contract's (imageId, uploadTimestamp)."
  }
  assert {
    condition = toset([for a in aws_dynamodb_table.metadata.attribute : "${a.name}:${a.type}"]) == toset([
      "imageId:S", "uploadTimestamp:N", "status:S",
    ])
    error_message = "The key attributes and their types must be the contract's."
  }
  assert {
    condition = anytrue([
      for g in aws_dynamodb_table.metadata.global_secondary_index :
      g.name == "StatusIndex" && g.hash_key == "status" && g.range_key == "uploadTimestamp" && g.projection_type == "ALL"
    ])
    error_message = "The StatusIndex GSI must be keyed on (status, uploadTimestamp) and project all attributes."
  }
  assert {
    condition     = aws_dynamodb_table.metadata.billing_mode == "PAY_PER_REQUEST"
    error_message = "The table must bill per request."
  }
  assert {
    condition     = one(aws_dynamodb_table.metadata.point_in_time_recovery).enabled
    error_message = "Point-in-time recovery must be on."
  }
  assert {
    condition     = one(aws_dynamodb_table.metadata.server_side_encryption).enabled
    error_message = "Server-side encryption with KMS must be on."
  }
  assert {
    condition     = aws_dynamodb_table.metadata.deletion_protection_enabled
    error_message = "Deletion protection must default to on."
  }
  assert {
    condition     = length(aws_dynamodb_table.metadata.ttl) == 0 && output.table_ttl_attribute == null
    error_message = "TTL must be off unless ttl_enabled is set."
  }
  assert {
    condition     = aws_dynamodb_table.metadata.stream_enabled && aws_dynamodb_table.metadata.stream_view_type == "NEW_AND_OLD_IMAGES"
    error_message = "The table's stream must be on with new and old images (the outcome events read it)."
  }
  assert {
    condition     = output.table_stream_arn == aws_dynamodb_table.metadata.stream_arn
    error_message = "table_stream_arn must be the table's stream."
  }
  assert {
    condition     = output.status_index_name == "StatusIndex" && output.table_name == aws_dynamodb_table.metadata.name
    error_message = "The outputs must name the table and its index."
  }
}

run "optional_kms_ttl_name_and_protection" {
  command = apply

  variables {
    bucket_name         = "my-existing-name.images"
    kms_key_arn         = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    ttl_enabled         = true
    deletion_protection = false
    force_destroy       = true
  }

  assert {
    condition     = aws_s3_bucket.images.bucket == "my-existing-name.images" && aws_s3_bucket.images.force_destroy
    error_message = "bucket_name and force_destroy must be honoured."
  }
  assert {
    condition = (
      one(one(aws_s3_bucket_server_side_encryption_configuration.images.rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms" &&
      one(one(aws_s3_bucket_server_side_encryption_configuration.images.rule).apply_server_side_encryption_by_default).kms_master_key_id == var.kms_key_arn &&
      one(aws_s3_bucket_server_side_encryption_configuration.images.rule).bucket_key_enabled
    )
    error_message = "With kms_key_arn the bucket must use SSE-KMS with that key and a bucket key."
  }
  assert {
    condition     = one(aws_dynamodb_table.metadata.server_side_encryption).kms_key_arn == var.kms_key_arn
    error_message = "With kms_key_arn the table must use that key."
  }
  assert {
    condition     = one(aws_dynamodb_table.metadata.ttl).attribute_name == "expiresAt" && one(aws_dynamodb_table.metadata.ttl).enabled && output.table_ttl_attribute == "expiresAt"
    error_message = "ttl_enabled must enable TTL on the contract's expiry attribute (expiresAt)."
  }
  assert {
    condition     = aws_dynamodb_table.metadata.deletion_protection_enabled == false
    error_message = "deletion_protection = false must turn deletion protection off."
  }
}

# ------------------------------------------------------------ validations

run "rejects_bad_environment" {
  command = plan
  variables {
    environment = "Prod_1"
  }
  expect_failures = [var.environment]
}

run "rejects_too_long_environment" {
  command = plan
  variables {
    environment = "a-very-long-environment-name"
  }
  expect_failures = [var.environment]
}

run "rejects_bad_name_prefix" {
  command = plan
  variables {
    name_prefix = "-img"
  }
  expect_failures = [var.name_prefix]
}

run "rejects_bad_bucket_name" {
  command = plan
  variables {
    bucket_name = "Images_Bucket"
  }
  expect_failures = [var.bucket_name]
}

run "rejects_ip_address_bucket_name" {
  command = plan
  variables {
    bucket_name = "192.168.1.10"
  }
  expect_failures = [var.bucket_name]
}

run "rejects_bad_kms_key_arn" {
  command = plan
  variables {
    kms_key_arn = "alias/aws/s3"
  }
  expect_failures = [var.kms_key_arn]
}

run "rejects_zero_noncurrent_days" {
  command = plan
  variables {
    noncurrent_version_expiration_days = 0
  }
  expect_failures = [var.noncurrent_version_expiration_days]
}

run "rejects_fractional_abort_days" {
  command = plan
  variables {
    abort_incomplete_multipart_days = 1.5
  }
  expect_failures = [var.abort_incomplete_multipart_days]
}
