# Helpers shared by the Kubernetes policies: the pod spec and containers of
# any workload kind. Requests (apiVersion dip/v1) share kind names with
# Kubernetes objects (Service, Namespace) and are never judged here.
package kubernetes.lib

is_kubernetes if {
	is_string(input.apiVersion)
	not startswith(input.apiVersion, "dip/")
	is_string(input.kind)
}

workload_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}

# long_running kinds keep pods up and so need probes.
long_running := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"}

pod_spec := input.spec.template.spec if {
	is_kubernetes
	input.kind in workload_kinds
}

pod_spec := input.spec.jobTemplate.spec.template.spec if {
	is_kubernetes
	input.kind == "CronJob"
}

pod_spec := input.spec if {
	is_kubernetes
	input.kind == "Pod"
}

containers contains c if some c in pod_spec.containers

init_containers contains c if some c in pod_spec.initContainers

all_containers := containers | init_containers

# name names the object in messages, such as Deployment "orders-api".
name := sprintf("%s %q", [input.kind, input.metadata.name])

# security returns a container's security setting, else the pod's, else
# default_value.
security(c, key, default_value) := object.get(c, ["securityContext", key], object.get(pod_spec, ["securityContext", key], default_value))
