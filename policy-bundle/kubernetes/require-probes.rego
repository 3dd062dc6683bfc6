package kubernetes.require_probes

import data.kubernetes.lib

# METADATA
# title: Long-running containers have liveness and readiness probes
# custom:
#   id: kubernetes.require_probes
#   field: spec.probes
#   severity: medium
deny contains msg if {
	input.kind in lib.long_running
	some c in lib.containers
	some probe in ["livenessProbe", "readinessProbe"]
	not c[probe]
	msg := sprintf("container %q in %s has no %s", [c.name, lib.name, probe])
}
