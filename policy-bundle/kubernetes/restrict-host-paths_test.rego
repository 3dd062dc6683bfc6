package kubernetes.restrict_host_paths_test

import data.kubernetes.restrict_host_paths

pod(volumes) := {"kind": "Deployment", "metadata": {"name": "api"}, "spec": {"template": {"spec": {"volumes": volumes}}}}

test_empty_dir_passes if {
	count(restrict_host_paths.deny) == 0 with input as pod([{"name": "tmp", "emptyDir": {}}])
}

test_host_path_fails if {
	count(restrict_host_paths.deny) == 1 with input as pod([{"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}}])
}
