package terraform.restrict_instance_types

import data.terraform.lib

# Approved database instance classes; a platform overrides them with a data
# document at dip.policy.instanceClasses.
default_classes := {"db.t4g.small", "db.m6g.large", "db.r6g.xlarge"}

configured := {c | some c in data.dip.policy.instanceClasses}

approved := configured if {
	count(configured) > 0
} else := default_classes

# METADATA
# title: Databases use approved instance classes
# custom:
#   id: terraform.restrict_instance_types
#   field: spec.size
#   severity: medium
deny contains msg if {
	some r in lib.resources
	r.type == "aws_db_instance"
	not r.body.instance_class in approved
	msg := sprintf("%s uses instance class %v; approved: %s", [lib.label(r), r.body.instance_class, concat(", ", sort(approved))])
}
