package terraform.no_public_database

import data.terraform.lib

# METADATA
# title: Databases are not reachable from the internet
# custom:
#   id: terraform.no_public_database
#   severity: critical
deny contains msg if {
	some r in lib.resources
	r.type == "aws_db_instance"
	r.body.publicly_accessible == true
	msg := sprintf("%s is publicly accessible", [lib.label(r)])
}
