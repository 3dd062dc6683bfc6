package kubernetes.enforce_resource_limits

import data.kubernetes.lib

# METADATA
# title: Containers declare resource requests and limits
# custom:
#   id: kubernetes.resource_limits
#   field: spec.resources
#   severity: medium
deny contains msg if {
	some c in lib.all_containers
	some need in ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"]
	object.get(c, array.concat(["resources"], split(need, ".")), null) == null
	msg := sprintf("container %q in %s has no %s", [c.name, lib.name, need])
}
