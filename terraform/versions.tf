terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Partial configuration: the state bucket, key and region come from
  # `terraform init -backend-config=...` (see README.md, "Deploy", and
  # backend.hcl.example), so one configuration serves every environment.
  backend "s3" {}
}
