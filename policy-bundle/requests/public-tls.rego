# A Service reachable from the internet serves HTTPS only.
package requests.public_tls

import data.requests.lib

# METADATA
# title: Public endpoints use TLS
# description: A Service with public true keeps tls true (the default).
# custom:
#   id: requests.public_tls
#   field: spec.tls
#   severity: high
deny contains msg if {
	input.kind == "Service"
	some env, spec in lib.specs
	spec.public == true
	spec.tls == false
	msg := sprintf("%s is public in %s without TLS: remove tls: false so that %v is served over HTTPS", [lib.name, env, object.get(spec, "host", "its host")])
}
