# A production database survives a mistaken `terraform destroy` or a
# removed request: deletion protection on, and a final snapshot taken.
package terraform.database_protection

import data.terraform.lib

# METADATA
# title: Production databases are protected from deletion
# description: A production RDS instance has deletion protection and takes a final snapshot.
# custom:
#   id: terraform.database_protection
#   severity: high
deny contains msg if {
	some r in lib.of_type("aws_db_instance")
	lib.production(r)
	not r.body.deletion_protection == true
	msg := sprintf("%s in %s has no deletion protection: set deletion_protection = true", [lib.label(r), lib.env(r)])
}

# METADATA
# title: Production databases are protected from deletion
# description: A production RDS instance has deletion protection and takes a final snapshot.
# custom:
#   id: terraform.database_protection
#   severity: high
deny contains msg if {
	some r in lib.of_type("aws_db_instance")
	lib.production(r)
	r.body.skip_final_snapshot == true
	msg := sprintf("%s in %s skips its final snapshot: set skip_final_snapshot = false", [lib.label(r), lib.env(r)])
}
