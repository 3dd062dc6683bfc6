package requests.lib_test

import data.requests.fixtures
import data.requests.lib

test_every_blueprint_version_is_a_request if {
	lib.is_request with input as fixtures.service
	lib.is_request with input as fixtures.service_v2
	lib.is_request with input as json.patch(fixtures.service_v2, [{"op": "replace", "path": "/apiVersion", "value": "dip/v10"}])
	not lib.is_request with input as json.patch(fixtures.service, [{"op": "replace", "path": "/apiVersion", "value": "apps/v1"}])
	not lib.is_request with input as json.patch(fixtures.service, [{"op": "replace", "path": "/apiVersion", "value": "dip/v0"}])
}

test_specs_merge_v2_mappings if {
	lib.specs.production.scaling == {"min": 4, "max": 12} with input as fixtures.service_v2
	lib.specs.staging.scaling == {"min": 1} with input as fixtures.service_v2
	lib.specs.production.storage == {"sizeGB": 100} with input as fixtures.database_v2
}

test_min_replicas_of_each_version if {
	lib.min_replicas(lib.specs.production) == 4 with input as fixtures.service
	lib.min_replicas(lib.specs.production) == 4 with input as fixtures.service_v2
	lib.min_replicas(lib.specs.staging) == 1 with input as fixtures.service_v2
}
