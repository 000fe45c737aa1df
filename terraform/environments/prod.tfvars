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
# OPS: set the on-call addresses here before deploying (each confirms its
# subscription by email). Left empty on purpose: plan/apply of prod fails
# until alarm_emails lists at least one address.
alarm_emails = []
tags = {
  CostCenter = "imgpipe-prod"
}
