package kubernetes.pod_security

import data.kubernetes.lib

# METADATA
# title: Containers are not privileged
# custom:
#   id: kubernetes.no_privileged
#   severity: critical
deny contains msg if {
	some c in lib.all_containers
	c.securityContext.privileged == true
	msg := sprintf("container %q in %s is privileged", [c.name, lib.name])
}

# METADATA
# title: Containers cannot gain privileges
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
# custom:
#   id: kubernetes.non_root
#   severity: high
deny_root contains msg if {
	some c in lib.all_containers
	not non_root(c)
	msg := sprintf("container %q in %s may run as root; set runAsNonRoot: true and a non-zero runAsUser", [c.name, lib.name])
}

non_root(c) if {
	object.get(c, ["securityContext", "runAsNonRoot"], object.get(lib.pod_spec, ["securityContext", "runAsNonRoot"], false)) == true
	object.get(c, ["securityContext", "runAsUser"], object.get(lib.pod_spec, ["securityContext", "runAsUser"], 1)) != 0
}
