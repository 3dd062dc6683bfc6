provider "aws" {
  region = "us-east-1"
}

resource "aws_db_instance" "this" {
  identifier        = "payments-orders-db-production"
  storage_encrypted = false
  tags = {
    team = "payments"
    env  = "production"
  }
}
