package kubernetes.restrict_host_paths_test

import data.kubernetes.fixtures
import data.kubernetes.restrict_host_paths

with_volume(v) := json.patch(fixtures.deployment, [{"op": "add", "path": "/spec/template/spec/volumes/-", "value": v}])

test_rendered_volumes_pass if {
	count(restrict_host_paths.deny) == 0 with input as fixtures.deployment
	count(restrict_host_paths.deny) == 0 with input as fixtures.cronjob
}

test_host_path_fails if {
	d := with_volume({"name": "docker", "hostPath": {"path": "/var/run/docker.sock", "type": "Socket"}})
	restrict_host_paths.deny == {`volume "docker" of Deployment "orders-api" mounts the host path /var/run/docker.sock; use emptyDir or a PersistentVolumeClaim`} with input as d
}

test_host_path_in_a_cronjob_fails if {
	j := json.patch(fixtures.cronjob, [{"op": "add", "path": "/spec/jobTemplate/spec/template/spec/volumes/-", "value": {"name": "logs", "hostPath": {"path": "/var/log"}}}])
	count(restrict_host_paths.deny) == 1 with input as j
}
