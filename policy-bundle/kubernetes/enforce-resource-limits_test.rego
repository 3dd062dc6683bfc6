package kubernetes.enforce_resource_limits_test

import data.kubernetes.enforce_resource_limits

deployment(resources) := {"kind": "Deployment", "metadata": {"name": "api"}, "spec": {"template": {"spec": {"containers": [{"name": "app", "resources": resources}]}}}}

full := {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "250m", "memory": "256Mi"}}

test_full_resources_pass if {
	count(enforce_resource_limits.deny) == 0 with input as deployment(full)
}

test_missing_memory_limit_is_named if {
	enforce_resource_limits.deny == {`container "app" in Deployment "api" has no limits.memory`} with input as deployment(object.union(object.remove(full, ["limits"]), {"limits": {"cpu": "1"}}))
}

test_cronjob_containers_are_judged if {
	count(enforce_resource_limits.deny) == 4 with input as {"kind": "CronJob", "metadata": {"name": "j"}, "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c"}]}}}}}}
}

test_other_kinds_are_not_judged if {
	count(enforce_resource_limits.deny) == 0 with input as {"kind": "ConfigMap", "metadata": {"name": "x"}}
}
