package kubernetes.require_probes_test

import data.kubernetes.fixtures
import data.kubernetes.require_probes

test_rendered_deployment_passes if {
	count(require_probes.deny) == 0 with input as fixtures.deployment
}

test_missing_readiness_probe_fails if {
	d := json.patch(fixtures.deployment, [{"op": "remove", "path": "/spec/template/spec/containers/0/readinessProbe"}])
	require_probes.deny == {`container "orders-api" in Deployment "orders-api" has no readiness probe; set readinessProbe`} with input as d
}

test_missing_both_probes_fails_twice if {
	d := json.patch(fixtures.deployment, [
		{"op": "remove", "path": "/spec/template/spec/containers/0/readinessProbe"},
		{"op": "remove", "path": "/spec/template/spec/containers/0/livenessProbe"},
	])
	count(require_probes.deny) == 2 with input as d
}

test_jobs_need_no_probes if {
	count(require_probes.deny) == 0 with input as fixtures.cronjob
}
