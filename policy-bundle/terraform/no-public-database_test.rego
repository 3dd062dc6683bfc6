package terraform.no_public_database_test

import data.terraform.no_public_database

test_private_database_passes if {
	count(no_public_database.deny) == 0 with input as {"resource": {"aws_db_instance": {"this": [{"publicly_accessible": false}]}}}
}

test_public_database_fails if {
	count(no_public_database.deny) == 1 with input as {"resource": {"aws_db_instance": {"this": [{"publicly_accessible": true}]}}}
}
