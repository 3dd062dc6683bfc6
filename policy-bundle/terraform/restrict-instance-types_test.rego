package terraform.restrict_instance_types_test

import data.terraform.restrict_instance_types

db(class) := {"resource": {"aws_db_instance": {"this": [{"instance_class": class}]}}}

test_approved_class_passes if {
	count(restrict_instance_types.deny) == 0 with input as db("db.m6g.large")
}

test_other_class_fails if {
	count(restrict_instance_types.deny) == 1 with input as db("db.x2iedn.32xlarge")
}

test_platform_list_overrides if {
	count(restrict_instance_types.deny) == 0 with input as db("db.x2iedn.32xlarge")
		with data.dip.policy.instanceClasses as ["db.x2iedn.32xlarge"]
}
