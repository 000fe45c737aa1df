variable "greeting" {
  type = string
}

locals {
  upper = upper(var.greeting)
}

output "shout" {
  value = "${local.upper}!"
}

output "sizes" {
  value = [16, 32]
}
