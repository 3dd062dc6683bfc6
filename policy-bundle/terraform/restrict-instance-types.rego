# Databases use instance classes the platform has sized and budgeted. A
# platform replaces the list with a data document:
#
#	dip:
#	  policy:
#	    instanceClasses: [db.t4g.small, db.m6g.large, db.r6g.xlarge, db.r6g.2xlarge]
package terraform.restrict_instance_types

import data.terraform.lib

# The classes a dip/v1 PostgresDatabase of size small, medium and large
# renders; from dip/v2 on a request names its class (instanceClass), and a
# platform approves more with the data document.
default_classes := {"db.t4g.small", "db.m6g.large", "db.r6g.xlarge"}

approved := {c | some c in data.dip.policy.instanceClasses} if {
	count(data.dip.policy.instanceClasses) > 0
} else := default_classes

# METADATA
# title: Databases use approved instance classes
# description: An RDS instance uses one of the platform's approved instance classes.
# custom:
#   id: terraform.restrict_instance_types
#   field: spec.instanceClass
#   severity: medium
deny contains msg if {
	some r in lib.of_type("aws_db_instance")
	not approved_class(r)
	msg := sprintf("%s uses instance class %v, which the platform does not approve; approved: %s", [lib.label(r), object.get(r.body, "instance_class", "(none)"), concat(", ", sort(approved))])
}

approved_class(r) if r.body.instance_class in approved
