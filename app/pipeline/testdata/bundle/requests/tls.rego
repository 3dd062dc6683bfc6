package requests.tls

# METADATA
# title: Public endpoints use TLS
# custom:
#   id: requests.public_tls
#   field: spec.tls
deny contains msg if {
	input.kind == "Service"
	input.spec.public
	input.spec.tls == false
	msg := sprintf("public service %s must use TLS", [input.metadata.name])
}
