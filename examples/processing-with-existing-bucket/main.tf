# The processing module on its own, on a bucket and a table that already
# exist (created elsewhere, e.g. by the storage module in another stack).
# The table must have the contract's keys and index (see modules/contract);
# the module takes over the bucket's notification configuration.

provider "aws" {
  region = var.aws_region
}

data "aws_s3_bucket" "images" {
  bucket = var.bucket_name
}

data "aws_dynamodb_table" "metadata" {
  name = var.table_name
}

module "processing" {
  source = "../../modules/processing"

  environment         = var.environment
  bucket_name         = data.aws_s3_bucket.images.id
  bucket_arn          = data.aws_s3_bucket.images.arn
  table_name          = data.aws_dynamodb_table.metadata.name
  table_arn           = data.aws_dynamodb_table.metadata.arn
  data_kms_key_arn    = var.data_kms_key_arn
  lambda_package_path = var.lambda_package_path
  thumbnail_sizes     = [320, 1280]
  memory_size         = 1536
}
