# A production Service keeps serving while one of its pods is replaced,
# evicted or lost with its node: that takes at least two replicas.
package requests.production_replicas

import data.requests.lib

minimum := 2

# METADATA
# title: Production services run more than one replica
# description: A Service runs at least two replicas in its production environments.
# custom:
#   id: requests.production_replicas
#   field: spec.scaling.min
#   severity: medium
warn contains msg if {
	input.kind == "Service"
	some env, spec in lib.production_specs
	replicas := lib.min_replicas(spec)
	is_number(replicas)
	replicas < minimum
	msg := sprintf("%s runs %d replica in %s; run at least %d so that a node drain or a crash does not take it down", [lib.name, replicas, env, minimum])
}
