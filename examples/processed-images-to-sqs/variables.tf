variable "aws_region" {
  description = "AWS region of the imgpipe environment."
  type        = string
}

variable "event_bus_name" {
  description = "Name of the environment's outcome-events bus (the root stack's event_bus_name output)."
  type        = string
}

variable "queue_name" {
  description = "Name of the queue to create: it receives every Image Processed event."
  type        = string
  default     = "imgpipe-image-processed"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,60}$", var.queue_name))
    error_message = "queue_name must be 1 to 60 letters, digits, '-' and '_' (the rule's name adds a suffix)."
  }
}
