# A public bucket is readable by anyone on the internet: legitimate for
# static assets, a leak for anything else. The reviewer should see it.
package requests.public_bucket

import data.requests.lib

# METADATA
# title: Public buckets are deliberate
# description: A Bucket with public true is pointed out to the reviewer.
# custom:
#   id: requests.public_bucket
#   field: spec.public
#   severity: medium
warn contains msg if {
	input.kind == "Bucket"
	some env, spec in lib.specs
	spec.public == true
	msg := sprintf("%s is readable by anyone on the internet in %s; keep only public assets in it", [lib.name, env])
}
