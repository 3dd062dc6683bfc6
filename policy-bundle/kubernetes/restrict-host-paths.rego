# A pod that mounts a host path can read or change the node under it.
package kubernetes.restrict_host_paths

import data.kubernetes.lib

# METADATA
# title: Pods do not mount host paths
# description: No volume of a pod is a hostPath; use emptyDir, a ConfigMap, a Secret or a PersistentVolumeClaim.
# custom:
#   id: kubernetes.no_host_path
#   severity: high
deny contains msg if {
	some v in lib.pod_spec.volumes
	v.hostPath
	msg := sprintf("volume %q of %s mounts the host path %v; use emptyDir or a PersistentVolumeClaim", [v.name, lib.name, object.get(v.hostPath, "path", "(unset)")])
}
