# Long-running containers say when they are alive and when they are ready,
# so that Kubernetes restarts a stuck one and routes traffic only to ready
# ones. Jobs run to completion and need neither.
package kubernetes.require_probes

import data.kubernetes.lib

probes := {"livenessProbe": "liveness", "readinessProbe": "readiness"}

# METADATA
# title: Long-running containers have liveness and readiness probes
# description: Every container of a Deployment, StatefulSet, DaemonSet or ReplicaSet has a liveness and a readiness probe.
# custom:
#   id: kubernetes.require_probes
#   field: spec.probes
#   severity: medium
deny contains msg if {
	input.kind in lib.long_running
	some c in lib.containers
	some probe, what in probes
	not has_probe(c, probe)
	msg := sprintf("container %q in %s has no %s probe; set %s", [c.name, lib.name, what, probe])
}

has_probe(c, probe) if is_object(c[probe])
