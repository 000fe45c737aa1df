module "child" {
  source   = "../child"
  greeting = var.name
}

data "aws_region" "current" {}

data "aws_iam_policy_document" "doc" {
  statement {
    sid = "One"
  }
}

variable "name" {
  type    = string
  default = "hello"

  validation {
    condition     = length(var.name) <= 8
    error_message = "name must be at most 8 characters."
  }
}

variable "sizes" {
  type     = list(number)
  default  = [1, 2]
  nullable = false
}

variable "required" {
  type = number
}

variable "settings" {
  type = object({
    level = optional(string, "INFO")
  })
  default = {}
}

locals {
  base    = "${var.name}-${local.suffix}"
  suffix  = "x"
  joined  = join(",", var.sizes)
  rules   = { b = { days = 2 }, a = { days = 1 } }
  loop_a  = local.loop_b
  loop_b  = local.loop_a
  missing = nosuchfunction(1)
}

resource "aws_thing" "main" {
  name     = local.base
  size     = var.required * 2
  region   = data.aws_region.current.region
  shout    = module.child.shout
  other    = aws_thing.other.arn
  document = data.aws_iam_policy_document.doc.json
  tags     = { a = "b", n = 1 }
  level    = var.settings.level
  all      = alltrue([for s in var.sizes : s > 0])
  contains = strcontains(local.base, "-x")

  rule {
    id = "static"
  }

  dynamic "rule" {
    for_each = local.rules
    content {
      id   = rule.key
      days = rule.value.days
    }
  }

  dynamic "tag" {
    for_each = var.sizes
    iterator = s
    content {
      index = s.key
      value = s.value
    }
  }
}

resource "aws_thing" "other" {
  name = "other"
}

variable "copies" {
  type    = number
  default = 2
}

# Counted, with a precondition, referring to the other counted resource's
# instances.
resource "aws_thing" "counted" {
  count = var.copies
  name  = "${local.base}-${count.index}"
  peer  = aws_thing.peer[count.index].arn

  lifecycle {
    precondition {
      condition     = var.copies <= 3
      error_message = "at most 3 copies."
    }
  }
}

resource "aws_thing" "peer" {
  count = var.copies
  name  = "peer-${count.index}"
}

data "aws_iam_policy_document" "counted" {
  count = var.copies
  statement {
    sid = "Copy${count.index}"
  }
}

resource "aws_thing" "uses_counted_data" {
  document = data.aws_iam_policy_document.counted[1].json
}

# A dynamic block over a known list of unknown values.
resource "aws_thing" "dyn_unknown" {
  dynamic "target" {
    for_each = [aws_thing.other.arn]
    content {
      arn   = target.value
      label = "one"
    }
  }
}
