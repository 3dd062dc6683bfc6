package terraform.restrict_instance_types_test

import data.terraform.fixtures
import data.terraform.restrict_instance_types

with_class(class) := json.patch(fixtures.database, [{"op": "replace", "path": "/resource/aws_db_instance/this/0/instance_class", "value": class}])

test_rendered_class_passes if {
	count(restrict_instance_types.deny) == 0 with input as fixtures.database
	count(restrict_instance_types.deny) == 0 with input as with_class("db.t4g.small")
	count(restrict_instance_types.deny) == 0 with input as with_class("db.r6g.xlarge")
}

test_other_class_fails if {
	restrict_instance_types.deny == {`aws_db_instance.this ("payments-orders-db-production") uses instance class db.x2iedn.32xlarge, which the platform does not approve; approved: db.m6g.large, db.r6g.xlarge, db.t4g.small`} with input as with_class("db.x2iedn.32xlarge")
}

test_platform_list_replaces_the_default if {
	count(restrict_instance_types.deny) == 0 with input as with_class("db.x2iedn.32xlarge")
		with data.dip.policy.instanceClasses as ["db.x2iedn.32xlarge"]
	count(restrict_instance_types.deny) == 1 with input as fixtures.database
		with data.dip.policy.instanceClasses as ["db.x2iedn.32xlarge"]
}

test_database_without_a_class_fails if {
	count(restrict_instance_types.deny) == 1 with input as json.patch(fixtures.database, [{"op": "remove", "path": "/resource/aws_db_instance/this/0/instance_class"}])
}
