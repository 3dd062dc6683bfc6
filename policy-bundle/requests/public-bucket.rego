package requests.public_bucket

import data.requests.lib

# METADATA
# title: Public buckets are deliberate
# custom:
#   id: requests.public_bucket
#   field: spec.public
#   severity: low
warn contains msg if {
	input.kind == "Bucket"
	some env, spec in lib.specs
	spec.public == true
	msg := sprintf("%s is readable by anyone on the internet in %s", [lib.name, env])
}
