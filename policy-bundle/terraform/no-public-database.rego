# Databases are reached from inside the network only.
package terraform.no_public_database

import data.terraform.lib

# METADATA
# title: Databases are not reachable from the internet
# description: An RDS instance never gets a public IP address.
# custom:
#   id: terraform.no_public_database
#   severity: critical
deny contains msg if {
	some r in lib.of_type("aws_db_instance")
	r.body.publicly_accessible == true
	msg := sprintf("%s is publicly accessible: set publicly_accessible = false and reach it from inside the VPC", [lib.label(r)])
}
