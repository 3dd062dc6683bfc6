package terraform.backup_retention_test

import data.terraform.backup_retention

db(env, days) := {"resource": {"aws_db_instance": {"this": [{"backup_retention_period": days, "tags": {"env": env}}]}}}

test_production_with_a_week_passes if {
	count(backup_retention.deny) == 0 with input as db("production", 7)
}

test_production_with_less_fails if {
	count(backup_retention.deny) == 1 with input as db("production", 1)
}

test_staging_is_not_judged if {
	count(backup_retention.deny) == 0 with input as db("staging", 0)
}
