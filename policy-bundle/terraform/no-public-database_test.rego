package terraform.no_public_database_test

import data.terraform.fixtures
import data.terraform.no_public_database

test_private_database_passes if {
	count(no_public_database.deny) == 0 with input as fixtures.database
}

test_public_database_fails if {
	db := json.patch(fixtures.database, [{"op": "replace", "path": "/resource/aws_db_instance/this/0/publicly_accessible", "value": true}])
	no_public_database.deny == {`aws_db_instance.this ("payments-orders-db-production") is publicly accessible: set publicly_accessible = false and reach it from inside the VPC`} with input as db
}
