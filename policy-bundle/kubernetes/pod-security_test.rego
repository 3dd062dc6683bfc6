package kubernetes.pod_security_test

import data.kubernetes.fixtures
import data.kubernetes.pod_security

security := "/spec/template/spec/containers/0/securityContext"

patched(ops) := json.patch(fixtures.deployment, ops)

set(key, value) := patched([{"op": "add", "path": concat("/", [security, key]), "value": value}])

unset(key) := patched([{"op": "remove", "path": concat("/", [security, key])}])

test_rendered_workloads_pass if {
	every doc in [fixtures.deployment, fixtures.cronjob] {
		count(pod_security.deny) == 0 with input as doc
		count(pod_security.deny_escalation) == 0 with input as doc
		count(pod_security.deny_root) == 0 with input as doc
		count(pod_security.deny_capabilities) == 0 with input as doc
		count(pod_security.warn_writable_root) == 0 with input as doc
	}
}

test_privileged_fails if {
	pod_security.deny == {`container "orders-api" in Deployment "orders-api" is privileged; remove securityContext.privileged`} with input as set("privileged", true)
}

test_escalation_must_be_off if {
	pod_security.deny_escalation == {`container "orders-api" in Deployment "orders-api" must set securityContext.allowPrivilegeEscalation: false`} with input as unset("allowPrivilegeEscalation")
	count(pod_security.deny_escalation) == 1 with input as set("allowPrivilegeEscalation", true)
}

test_root_user_fails if {
	pod_security.deny_root == {`container "orders-api" in Deployment "orders-api" may run as root; set securityContext.runAsNonRoot: true and a non-zero runAsUser`} with input as set("runAsUser", 0)
	count(pod_security.deny_root) == 1 with input as unset("runAsNonRoot")
}

test_pod_level_non_root_counts if {
	d := patched([
		{"op": "remove", "path": concat("/", [security, "runAsNonRoot"])},
		{"op": "remove", "path": concat("/", [security, "runAsUser"])},
		{"op": "add", "path": "/spec/template/spec/securityContext", "value": {"runAsNonRoot": true, "runAsUser": 1000}},
	])
	count(pod_security.deny_root) == 0 with input as d
}

test_added_capabilities_fail if {
	pod_security.deny_capabilities == {`container "orders-api" in Deployment "orders-api" adds the capability SYS_ADMIN; drop it and run without`} with input as set("capabilities", {"drop": ["ALL"], "add": ["SYS_ADMIN"]})
	count(pod_security.deny_capabilities) == 0 with input as set("capabilities", {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]})
}

test_writable_root_filesystem_warns if {
	pod_security.warn_writable_root == {`container "orders-api" in Deployment "orders-api" can write to its root filesystem; set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where it writes`} with input as unset("readOnlyRootFilesystem")
}
