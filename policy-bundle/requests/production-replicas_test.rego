package requests.production_replicas_test

import data.requests.fixtures
import data.requests.production_replicas

test_replicated_service_passes if {
	count(production_replicas.warn) == 0 with input as fixtures.service
	count(production_replicas.warn) == 0 with input as json.patch(fixtures.service, [{"op": "remove", "path": "/spec/overrides/production/replicas"}, {"op": "remove", "path": "/spec/replicas"}])
}

test_single_replica_in_production_warns if {
	s := json.patch(fixtures.service, [{"op": "replace", "path": "/spec/overrides/production/replicas", "value": 1}])
	production_replicas.warn == {`Service "orders-api" runs 1 replica in production; run at least 2 so that a node drain or a crash does not take it down`} with input as s
}

test_single_replica_in_staging_is_fine if {
	count(production_replicas.warn) == 0 with input as fixtures.service # staging runs 1
}

test_replicated_v2_service_passes if {
	count(production_replicas.warn) == 0 with input as fixtures.service_v2
	count(production_replicas.warn) == 0 with input as json.patch(fixtures.service_v2, [{"op": "remove", "path": "/spec/overrides/production/scaling"}, {"op": "remove", "path": "/spec/scaling"}])
}

test_single_replica_v2_in_production_warns if {
	s := json.patch(fixtures.service_v2, [{"op": "replace", "path": "/spec/overrides/production/scaling/min", "value": 1}])
	production_replicas.warn == {`Service "orders-api" runs 1 replica in production; run at least 2 so that a node drain or a crash does not take it down`} with input as s
}

# An override of scaling.max alone keeps the spec's scaling.min: mappings
# merge.
test_v2_override_of_the_maximum_keeps_the_minimum if {
	s := json.patch(fixtures.service_v2, [
		{"op": "replace", "path": "/spec/scaling/min", "value": 1},
		{"op": "replace", "path": "/spec/overrides/production/scaling", "value": {"max": 3}},
	])
	production_replicas.warn == {`Service "orders-api" runs 1 replica in production; run at least 2 so that a node drain or a crash does not take it down`} with input as s
}

test_single_replica_v2_in_staging_is_fine if {
	count(production_replicas.warn) == 0 with input as fixtures.service_v2 # staging runs 1
}
