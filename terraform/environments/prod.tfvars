# Production: the bucket keeps its objects and the table keeps deletion
# protection on destroy; longer log retention; reserved concurrency bounds
# the load on DynamoDB and the cost of a burst of uploads.
environment                        = "prod"
aws_region                         = "eu-west-1"
force_destroy                      = false
deletion_protection                = true
memory_size                        = 1536
timeout                            = 60
reserved_concurrency               = 50
log_retention_days                 = 90
log_level                          = "INFO"
noncurrent_version_expiration_days = 90
# Add the on-call addresses (each confirms its subscription by email).
alarm_emails = []
tags = {
  CostCenter = "imgpipe-prod"
}
