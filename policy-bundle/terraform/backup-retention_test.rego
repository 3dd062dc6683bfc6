package terraform.backup_retention_test

import data.terraform.backup_retention
import data.terraform.fixtures

db(env, days) := json.patch(fixtures.database, [
	{"op": "replace", "path": "/resource/aws_db_instance/this/0/tags/env", "value": env},
	{"op": "replace", "path": "/resource/aws_db_instance/this/0/backup_retention_period", "value": days},
])

test_production_with_a_week_or_more_passes if {
	count(backup_retention.deny) == 0 with input as fixtures.database
	count(backup_retention.deny) == 0 with input as db("production", 7)
}

test_production_with_less_fails if {
	backup_retention.deny == {`aws_db_instance.this ("payments-orders-db-production") keeps backups for 2 days in production; production needs at least 7 (backupRetentionDays)`} with input as db("production", 2)
}

test_production_without_the_attribute_fails if {
	count(backup_retention.deny) == 1 with input as json.patch(fixtures.database, [{"op": "remove", "path": "/resource/aws_db_instance/this/0/backup_retention_period"}])
}

test_staging_is_not_judged if {
	count(backup_retention.deny) == 0 with input as db("staging", 0)
}

test_platform_sets_minimum_and_production_names if {
	count(backup_retention.deny) == 1 with input as db("production", 14)
		with data.dip.policy.minBackupRetentionDays as 30
	count(backup_retention.deny) == 1 with input as db("prod", 1)
		with data.dip.policy.productionEnvironments as ["prod"]
	count(backup_retention.deny) == 0 with input as db("production", 1)
		with data.dip.policy.productionEnvironments as ["prod"]
}
