terraform {
  # 1.10: the S3 backend's use_lockfile (backend.hcl.example), S3-native
  # state locking without a DynamoDB table.
  required_version = ">= 1.10"

  # One exact version for the deployable stack; the modules accept a range
  # (~> 6.0). Commit the .terraform.lock.hcl that `terraform init` writes
  # (README.md, "Deploy"): it pins the provider's hashes too.
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "6.25.0"
    }
  }

  # Partial configuration: the state bucket, key and region come from
  # `terraform init -backend-config=...` (see README.md, "Deploy", and
  # backend.hcl.example), so one configuration serves every environment.
  backend "s3" {}
}
