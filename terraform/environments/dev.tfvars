# Development: disposable (data may be destroyed with the environment),
# short log retention, no reserved concurrency.
environment        = "dev"
aws_region         = "eu-west-1"
force_destroy      = true
memory_size        = 1024
timeout            = 60
log_retention_days = 14
log_level          = "DEBUG"
alarm_emails       = []
tags = {
  CostCenter = "imgpipe-dev"
}
