# Containers run with the least power that works, as the Kubernetes
# "restricted" Pod Security Standard asks.
package kubernetes.pod_security

import data.kubernetes.lib

# Capabilities a container may add after dropping ALL.
addable_capabilities := {"NET_BIND_SERVICE"}

# METADATA
# title: Containers are not privileged
# description: A privileged container is root on the node.
# custom:
#   id: kubernetes.no_privileged
#   severity: critical
deny contains msg if {
	some c in lib.all_containers
	c.securityContext.privileged == true
	msg := sprintf("container %q in %s is privileged; remove securityContext.privileged", [c.name, lib.name])
}

# METADATA
# title: Containers cannot gain privileges
# description: allowPrivilegeEscalation is false, so setuid binaries cannot raise a process's privileges.
# custom:
#   id: kubernetes.no_privilege_escalation
#   severity: high
deny_escalation contains msg if {
	some c in lib.all_containers
	not c.securityContext.allowPrivilegeEscalation == false
	msg := sprintf("container %q in %s must set securityContext.allowPrivilegeEscalation: false", [c.name, lib.name])
}

# METADATA
# title: Containers do not run as root
# description: runAsNonRoot is true (on the container or the pod) and runAsUser, when set, is not 0.
# custom:
#   id: kubernetes.non_root
#   severity: high
deny_root contains msg if {
	some c in lib.all_containers
	not non_root(c)
	msg := sprintf("container %q in %s may run as root; set securityContext.runAsNonRoot: true and a non-zero runAsUser", [c.name, lib.name])
}

# METADATA
# title: Containers add no capabilities
# description: Containers add no Linux capability but NET_BIND_SERVICE.
# custom:
#   id: kubernetes.restrict_capabilities
#   severity: high
deny_capabilities contains msg if {
	some c in lib.all_containers
	some capability in object.get(c, ["securityContext", "capabilities", "add"], [])
	not trim_prefix(upper(capability), "CAP_") in addable_capabilities
	msg := sprintf("container %q in %s adds the capability %s; drop it and run without", [c.name, lib.name, capability])
}

# METADATA
# title: Containers have a read-only root filesystem
# description: A read-only root filesystem keeps an intruder from changing the image; write to an emptyDir volume instead.
# custom:
#   id: kubernetes.read_only_root_filesystem
#   severity: low
warn_writable_root contains msg if {
	some c in lib.all_containers
	not c.securityContext.readOnlyRootFilesystem == true
	msg := sprintf("container %q in %s can write to its root filesystem; set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where it writes", [c.name, lib.name])
}

non_root(c) if {
	lib.security(c, "runAsNonRoot", false) == true
	lib.security(c, "runAsUser", 1) != 0
}
