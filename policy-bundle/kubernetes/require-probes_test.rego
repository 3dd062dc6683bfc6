package kubernetes.require_probes_test

import data.kubernetes.require_probes

deployment(c) := {"kind": "Deployment", "metadata": {"name": "api"}, "spec": {"template": {"spec": {"containers": [c]}}}}

probe := {"httpGet": {"path": "/healthz", "port": "http"}}

test_probes_pass if {
	count(require_probes.deny) == 0 with input as deployment({"name": "app", "livenessProbe": probe, "readinessProbe": probe})
}

test_missing_readiness_fails if {
	require_probes.deny == {`container "app" in Deployment "api" has no readinessProbe`} with input as deployment({"name": "app", "livenessProbe": probe})
}

test_jobs_need_no_probes if {
	count(require_probes.deny) == 0 with input as {"kind": "CronJob", "metadata": {"name": "j"}, "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c"}]}}}}}}
}
