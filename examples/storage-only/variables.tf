variable "aws_region" {
  description = "AWS region to deploy to."
  type        = string
}

variable "environment" {
  description = "Environment name: lowercase letters, digits and hyphens."
  type        = string
}

variable "disposable" {
  description = "True for an environment whose data may be destroyed with it (no deletion protection, force_destroy on the bucket)."
  type        = bool
  default     = false
}
