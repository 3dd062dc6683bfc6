# A production bucket keeps the versions of what is overwritten or
# deleted, so that a mistake or a compromised writer can be undone.
package requests.bucket_versioning

import data.requests.lib

# METADATA
# title: Production buckets keep versions
# description: A Bucket keeps versioning on (the default) in its production environments.
# custom:
#   id: requests.bucket_versioning
#   field: spec.versioning
#   severity: medium
warn contains msg if {
	input.kind == "Bucket"
	some env, spec in lib.production_specs
	spec.versioning == false
	msg := sprintf("%s does not keep versions in %s; an overwrite or delete there cannot be undone: remove versioning: false, and bound the cost with lifecycleDays", [lib.name, env])
}
