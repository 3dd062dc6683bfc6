package kubernetes.restrict_host_paths

import data.kubernetes.lib

# METADATA
# title: Pods do not mount host paths
# custom:
#   id: kubernetes.no_host_path
#   severity: high
deny contains msg if {
	some v in lib.pod_spec.volumes
	v.hostPath
	msg := sprintf("volume %q of %s mounts the host path %s", [v.name, lib.name, v.hostPath.path])
}
