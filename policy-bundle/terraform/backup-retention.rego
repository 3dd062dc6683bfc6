# Production databases keep automated backups long enough to recover from
# a mistake found late. A platform sets its own minimum with the data
# document dip.policy.minBackupRetentionDays (default 7) and names its
# production environments with dip.policy.productionEnvironments.
package terraform.backup_retention

import data.terraform.lib

minimum_days := data.dip.policy.minBackupRetentionDays if {
	is_number(data.dip.policy.minBackupRetentionDays)
} else := 7

# METADATA
# title: Production databases keep backups
# description: A production database keeps automated backups for at least a week.
# custom:
#   id: terraform.backup_retention
#   field: spec.backupRetentionDays
#   severity: high
deny contains msg if {
	some r in lib.of_type("aws_db_instance")
	lib.production(r)
	days := object.get(r.body, "backup_retention_period", 0)
	not days >= minimum_days
	msg := sprintf("%s keeps backups for %v days in %s; production needs at least %d (backupRetentionDays)", [lib.label(r), days, lib.env(r), minimum_days])
}
