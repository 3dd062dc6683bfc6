package kubernetes.enforce_resource_limits_test

import data.kubernetes.enforce_resource_limits
import data.kubernetes.fixtures

container := "/spec/template/spec/containers/0"

test_rendered_workloads_pass if {
	count(enforce_resource_limits.deny) == 0 with input as fixtures.deployment
	count(enforce_resource_limits.deny) == 0 with input as fixtures.cronjob
}

test_missing_memory_limit_is_named if {
	d := json.patch(fixtures.deployment, [{"op": "remove", "path": concat("/", [container, "resources/limits/memory"])}])
	enforce_resource_limits.deny == {`container "orders-api" in Deployment "orders-api" has no memory limit; set resources.limits.memory`} with input as d
}

test_container_without_resources_fails_four_times if {
	d := json.patch(fixtures.deployment, [{"op": "remove", "path": concat("/", [container, "resources"])}])
	count(enforce_resource_limits.deny) == 4 with input as d
}

test_empty_value_counts_as_missing if {
	d := json.patch(fixtures.deployment, [{"op": "replace", "path": concat("/", [container, "resources/requests/cpu"]), "value": ""}])
	enforce_resource_limits.deny == {`container "orders-api" in Deployment "orders-api" has no CPU request; set resources.requests.cpu`} with input as d
}

test_cronjob_and_init_containers_are_judged if {
	j := json.patch(fixtures.cronjob, [{"op": "remove", "path": "/spec/jobTemplate/spec/template/spec/containers/0/resources/requests"}])
	count(enforce_resource_limits.deny) == 2 with input as j
	d := json.patch(fixtures.deployment, [{"op": "add", "path": "/spec/template/spec/initContainers", "value": [{"name": "migrate", "image": "ghcr.io/acme/orders-migrate:1.4.2"}]}])
	count(enforce_resource_limits.deny) == 4 with input as d
}

test_other_kinds_are_not_judged if {
	count(enforce_resource_limits.deny) == 0 with input as fixtures.service
	count(enforce_resource_limits.deny) == 0 with input as fixtures.ingress
}
