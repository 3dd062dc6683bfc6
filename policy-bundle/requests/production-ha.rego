# A production database has a standby in a second availability zone, so
# that losing one zone does not lose the database.
package requests.production_ha

import data.requests.lib

# METADATA
# title: Production databases are highly available
# description: A PostgresDatabase sets highAvailability true in its production environments.
# custom:
#   id: requests.production_ha
#   field: spec.highAvailability
#   severity: medium
warn contains msg if {
	input.kind == "PostgresDatabase"
	some env, spec in lib.production_specs
	not spec.highAvailability == true
	msg := sprintf("%s has no standby in %s; set highAvailability: true (in overrides.%s if only there)", [lib.name, env, env])
}
