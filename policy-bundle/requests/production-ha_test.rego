package requests.production_ha_test

import data.requests.production_ha

db(spec) := {"apiVersion": "dip/v1", "kind": "PostgresDatabase", "metadata": {"name": "db"}, "spec": spec}

test_ha_in_production_passes if {
	count(production_ha.warn) == 0 with input as db({"environments": ["staging", "production"], "overrides": {"production": {"highAvailability": true}}})
}

test_no_ha_in_production_warns if {
	count(production_ha.warn) == 1 with input as db({"environments": ["production"]})
}

test_staging_only_is_not_judged if {
	count(production_ha.warn) == 0 with input as db({"environments": ["staging"]})
}
