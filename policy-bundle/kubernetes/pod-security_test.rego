package kubernetes.pod_security_test

import data.kubernetes.pod_security

deployment(pod_ctx, c) := {"kind": "Deployment", "metadata": {"name": "api"}, "spec": {"template": {"spec": {"securityContext": pod_ctx, "containers": [c]}}}}

hardened := {"name": "app", "securityContext": {"allowPrivilegeEscalation": false, "runAsNonRoot": true, "runAsUser": 65532}}

test_hardened_container_passes if {
	count(pod_security.deny) == 0 with input as deployment({}, hardened)
	count(pod_security.deny_escalation) == 0 with input as deployment({}, hardened)
	count(pod_security.deny_root) == 0 with input as deployment({}, hardened)
}

test_privileged_fails if {
	count(pod_security.deny) == 1 with input as deployment({}, object.union(hardened, {"securityContext": {"privileged": true}}))
}

test_escalation_must_be_off if {
	count(pod_security.deny_escalation) == 1 with input as deployment({}, {"name": "app", "securityContext": {"runAsNonRoot": true}})
}

test_root_user_fails if {
	count(pod_security.deny_root) == 1 with input as deployment({}, object.union(hardened, {"securityContext": {"runAsUser": 0}}))
	count(pod_security.deny_root) == 1 with input as deployment({}, {"name": "app"})
}

test_pod_level_non_root_counts if {
	count(pod_security.deny_root) == 0 with input as deployment({"runAsNonRoot": true, "runAsUser": 1000}, {"name": "app"})
}
