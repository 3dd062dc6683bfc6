package requests.production_ha

import data.requests.lib

# METADATA
# title: Production databases are highly available
# custom:
#   id: requests.production_ha
#   field: spec.highAvailability
#   severity: low
warn contains msg if {
	input.kind == "PostgresDatabase"
	spec := lib.specs.production
	not spec.highAvailability == true
	msg := sprintf("%s has no standby in production; set highAvailability: true", [lib.name])
}
