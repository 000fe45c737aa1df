# Another repository reusing the processing module at a released version,
# with the released Lambda package from S3: no Go toolchain, no clone of
# imgpipe. The bucket and the table already exist (the table must have the
# keys and index of modules/contract); the module takes over the bucket's
# notification configuration.
#
# The source pins a tag: `ref` moves only when you change it. The offline
# checks of the imgpipe repository cannot fetch it, so they validate this
# example against the local modules/processing of the same commit
# (tools/tf/tf.sh rewrites the source in its work copy; see README.md).

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
  source = "git::https://github.com/imgpipe/imgpipe.git//modules/processing?ref=v0.2.0"

  environment = var.environment
  bucket_name = data.aws_s3_bucket.images.id
  bucket_arn  = data.aws_s3_bucket.images.arn
  table_name  = data.aws_dynamodb_table.metadata.name
  table_arn   = data.aws_dynamodb_table.metadata.arn

  # imgpipe-processor-0.2.0-linux-arm64.zip from the v0.2.0 release,
  # checked against its SHA256SUMS and uploaded to a bucket of this region.
  lambda_package_s3 = {
    bucket         = var.package_bucket
    key            = var.package_key
    object_version = var.package_object_version
  }
}
