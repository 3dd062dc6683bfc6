package terraform.database_protection_test

import data.terraform.database_protection
import data.terraform.fixtures

patched(ops) := json.patch(fixtures.database, ops)

test_rendered_production_database_passes if {
	count(database_protection.deny) == 0 with input as fixtures.database
}

test_production_without_deletion_protection_fails if {
	db := patched([{"op": "replace", "path": "/resource/aws_db_instance/this/0/deletion_protection", "value": false}])
	database_protection.deny == {`aws_db_instance.this ("payments-orders-db-production") in production has no deletion protection: set deletion_protection = true`} with input as db
}

test_production_skipping_the_final_snapshot_fails if {
	db := patched([{"op": "replace", "path": "/resource/aws_db_instance/this/0/skip_final_snapshot", "value": true}])
	database_protection.deny == {`aws_db_instance.this ("payments-orders-db-production") in production skips its final snapshot: set skip_final_snapshot = false`} with input as db
}

test_staging_is_not_judged if {
	db := patched([
		{"op": "replace", "path": "/resource/aws_db_instance/this/0/tags/env", "value": "staging"},
		{"op": "replace", "path": "/resource/aws_db_instance/this/0/deletion_protection", "value": false},
		{"op": "replace", "path": "/resource/aws_db_instance/this/0/skip_final_snapshot", "value": true},
	])
	count(database_protection.deny) == 0 with input as db
}
