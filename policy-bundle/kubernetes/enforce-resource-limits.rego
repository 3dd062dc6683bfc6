# Every container states what it needs and what it may use, so that the
# scheduler can place it and one container cannot starve its neighbours.
package kubernetes.enforce_resource_limits

import data.kubernetes.lib

needs := [
	{"path": ["requests", "cpu"], "what": "CPU request"},
	{"path": ["requests", "memory"], "what": "memory request"},
	{"path": ["limits", "cpu"], "what": "CPU limit"},
	{"path": ["limits", "memory"], "what": "memory limit"},
]

# METADATA
# title: Containers declare resource requests and limits
# description: Every container has CPU and memory requests and limits.
# custom:
#   id: kubernetes.resource_limits
#   field: spec.resources
#   severity: medium
deny contains msg if {
	some c in lib.all_containers
	some need in needs
	not set(object.get(c, array.concat(["resources"], need.path), ""))
	msg := sprintf("container %q in %s has no %s; set resources.%s", [c.name, lib.name, need.what, concat(".", need.path)])
}

set(v) if is_number(v)

set(v) if {
	is_string(v)
	v != ""
}
