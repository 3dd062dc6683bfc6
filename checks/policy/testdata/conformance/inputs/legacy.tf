resource "aws_sqs_queue" "legacy" {
  name = "legacy"
  tags = {
    team          = "payments"
    env           = "staging"
    "cost-center" = "cc-1"
  }
}
