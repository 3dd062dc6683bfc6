package kubernetes.host_namespaces_test

import data.kubernetes.fixtures
import data.kubernetes.host_namespaces

test_rendered_workloads_pass if {
	count(host_namespaces.deny) == 0 with input as fixtures.deployment
	count(host_namespaces.deny) == 0 with input as fixtures.cronjob
}

test_host_network_fails if {
	d := json.patch(fixtures.deployment, [{"op": "add", "path": "/spec/template/spec/hostNetwork", "value": true}])
	host_namespaces.deny == {`Deployment "orders-api" sets hostNetwork: true; remove it`} with input as d
}

test_host_pid_and_ipc_fail if {
	j := json.patch(fixtures.cronjob, [
		{"op": "add", "path": "/spec/jobTemplate/spec/template/spec/hostPID", "value": true},
		{"op": "add", "path": "/spec/jobTemplate/spec/template/spec/hostIPC", "value": true},
	])
	count(host_namespaces.deny) == 2 with input as j
}
