# Helpers shared by the Kubernetes policies: the pod spec and containers of
# any workload kind.
package kubernetes.lib

workload_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}

# long_running kinds keep pods up and so need probes.
long_running := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"}

pod_spec := input.spec.template.spec if input.kind in workload_kinds

pod_spec := input.spec.jobTemplate.spec.template.spec if input.kind == "CronJob"

pod_spec := input.spec if input.kind == "Pod"

containers contains c if some c in pod_spec.containers

init_containers contains c if some c in pod_spec.initContainers

all_containers := containers | init_containers

# name names the object in messages, such as Deployment "orders-api".
name := sprintf("%s %q", [input.kind, input.metadata.name])
