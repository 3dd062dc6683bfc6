package requests.public_tls

import data.requests.lib

# METADATA
# title: Public endpoints use TLS
# custom:
#   id: requests.public_tls
#   field: spec.tls
#   severity: high
deny contains msg if {
	input.kind == "Service"
	some env, spec in lib.specs
	spec.public == true
	spec.tls == false
	msg := sprintf("%s is public in %s without TLS; remove tls: false", [lib.name, env])
}
