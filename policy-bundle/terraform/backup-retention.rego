package terraform.backup_retention

import data.terraform.lib

minimum_days := 7

# METADATA
# title: Production databases keep backups
# description: A production database keeps automated backups for at least a week.
# custom:
#   id: terraform.backup_retention
#   field: spec.backupRetentionDays
#   severity: high
deny contains msg if {
	some r in lib.resources
	r.type == "aws_db_instance"
	r.body.tags.env == "production"
	object.get(r.body, "backup_retention_period", 0) < minimum_days
	msg := sprintf("%s keeps backups for %d days; production needs at least %d", [lib.label(r), object.get(r.body, "backup_retention_period", 0), minimum_days])
}
