provider "aws" {
  region = "eu-west-1"
}

resource "aws_sqs_queue" "dlq" {
  name                      = "q-dlq"
  message_retention_seconds = 600
  sqs_managed_sse_enabled   = true
  tags = {
    team          = "payments"
    env           = "staging"
    "cost-center" = "cc-1"
  }
}

resource "aws_sqs_queue" "this" {
  name                    = "q"
  sqs_managed_sse_enabled = false
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = 5
  })
  tags = {
    team          = "payments"
    env           = "staging"
    "cost-center" = "cc-1"
  }
}
