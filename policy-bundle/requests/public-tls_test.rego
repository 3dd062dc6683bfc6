package requests.public_tls_test

import data.requests.public_tls

service(spec) := {"apiVersion": "dip/v1", "kind": "Service", "metadata": {"name": "api"}, "spec": object.union({"environments": ["staging", "production"]}, spec)}

test_public_with_tls_passes if {
	count(public_tls.deny) == 0 with input as service({"public": true, "host": "a.example"})
}

test_public_without_tls_fails if {
	count(public_tls.deny) == 2 with input as service({"public": true, "host": "a.example", "tls": false})
}

test_override_is_judged_per_environment if {
	public_tls.deny == {"Service api is public in production without TLS; remove tls: false"} with input as service({"tls": false, "overrides": {"production": {"public": true, "host": "a.example"}}})
}
