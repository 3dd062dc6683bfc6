# A pod that shares the node's network, process or IPC namespace can see
# and reach what other pods and the node itself keep apart.
package kubernetes.host_namespaces

import data.kubernetes.lib

# METADATA
# title: Pods do not share the node's namespaces
# description: hostNetwork, hostPID and hostIPC stay off.
# custom:
#   id: kubernetes.no_host_namespaces
#   severity: high
deny contains msg if {
	some setting in ["hostNetwork", "hostPID", "hostIPC"]
	lib.pod_spec[setting] == true
	msg := sprintf("%s sets %s: true; remove it", [lib.name, setting])
}
