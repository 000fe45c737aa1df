# The storage module on its own: an encrypted, versioned, private image
# bucket and the metadata table, e.g. for a team that brings its own
# processing.

provider "aws" {
  region = var.aws_region
}

module "storage" {
  source = "../../modules/storage"

  name_prefix         = "imgstore"
  environment         = var.environment
  force_destroy       = var.disposable
  deletion_protection = !var.disposable
  ttl_enabled         = true

  tags = {
    Example = "storage-only"
  }
}
