package requests.production_ha_test

import data.requests.fixtures
import data.requests.production_ha

test_highly_available_in_production_passes if {
	count(production_ha.warn) == 0 with input as fixtures.database
}

test_default_in_production_warns if {
	db := json.patch(fixtures.database, [{"op": "remove", "path": "/spec/overrides/production/highAvailability"}])
	production_ha.warn == {`PostgresDatabase "orders-db" has no standby in production; set highAvailability: true (in overrides.production if only there)`} with input as db
}

test_staging_only_database_is_not_judged if {
	db := json.patch(fixtures.database, [
		{"op": "replace", "path": "/spec/environments", "value": ["staging"]},
		{"op": "remove", "path": "/spec/overrides"},
	])
	count(production_ha.warn) == 0 with input as db
}

test_platform_names_its_production_environments if {
	db := json.patch(fixtures.database, [{"op": "replace", "path": "/spec/environments", "value": ["staging", "prod"]}])
	count(production_ha.warn) == 1 with input as db with data.dip.policy.productionEnvironments as ["prod"]
}

test_v2_database_highly_available_in_production_passes if {
	count(production_ha.warn) == 0 with input as fixtures.database_v2
}

test_v2_database_default_in_production_warns if {
	db := json.patch(fixtures.database_v2, [{"op": "remove", "path": "/spec/overrides/production/highAvailability"}])
	production_ha.warn == {`PostgresDatabase "orders-db" has no standby in production; set highAvailability: true (in overrides.production if only there)`} with input as db
}
