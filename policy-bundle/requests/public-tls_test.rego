package requests.public_tls_test

import data.requests.fixtures
import data.requests.public_tls

with_spec(ops) := json.patch(fixtures.service, ops)

test_public_service_with_default_tls_passes if {
	count(public_tls.deny) == 0 with input as fixtures.service
	count(public_tls.deny) == 0 with input as with_spec([{"op": "add", "path": "/spec/tls", "value": true}])
}

test_public_without_tls_fails_in_every_environment if {
	s := with_spec([{"op": "add", "path": "/spec/tls", "value": false}])
	public_tls.deny == {
		`Service "orders-api" is public in production without TLS: remove tls: false so that orders.acme.example is served over HTTPS`,
		`Service "orders-api" is public in staging without TLS: remove tls: false so that orders.staging.acme.example is served over HTTPS`,
	} with input as s
}

test_override_is_judged_per_environment if {
	s := with_spec([{"op": "add", "path": "/spec/overrides/staging/tls", "value": false}])
	public_tls.deny == {`Service "orders-api" is public in staging without TLS: remove tls: false so that orders.staging.acme.example is served over HTTPS`} with input as s
}

test_private_service_without_tls_passes if {
	s := with_spec([
		{"op": "remove", "path": "/spec/public"},
		{"op": "remove", "path": "/spec/host"},
		{"op": "remove", "path": "/spec/overrides/staging/host"},
		{"op": "add", "path": "/spec/tls", "value": false},
	])
	count(public_tls.deny) == 0 with input as s
}

test_rendered_documents_are_not_judged if {
	count(public_tls.deny) == 0 with input as {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "orders-api"}, "spec": {"environments": ["production"], "public": true, "tls": false}}
}

test_v2_public_service_without_tls_fails if {
	count(public_tls.deny) == 0 with input as fixtures.service_v2
	s := json.patch(fixtures.service_v2, [{"op": "add", "path": "/spec/overrides/staging/tls", "value": false}])
	public_tls.deny == {`Service "orders-api" is public in staging without TLS: remove tls: false so that orders.staging.acme.example is served over HTTPS`} with input as s
}
