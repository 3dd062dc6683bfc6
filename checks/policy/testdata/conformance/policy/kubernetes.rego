package kubernetes.workloads

containers contains c if {
	input.kind == "Deployment"
	some c in input.spec.template.spec.containers
}

deny contains msg if {
	some c in containers
	not c.resources.limits.memory
	msg := sprintf("container %q has no memory limit", [c.name])
}

warn_latest contains msg if {
	some c in containers
	endswith(c.image, ":latest")
	msg := sprintf("container %q uses a latest tag", [c.name])
}

deny_privileged contains msg if {
	some c in containers
	c.securityContext.privileged
	msg := sprintf("container %q is privileged", [c.name])
}

exception contains rules if {
	input.metadata.annotations["example.com/allow-privileged"] == "true"
	rules := ["privileged"]
}
