package kubernetes.hpa

# METADATA
# title: Autoscalers keep headroom
# custom:
#   id: kubernetes.hpa_headroom
#   field: spec.replicas
warn contains msg if {
	input.kind == "HorizontalPodAutoscaler"
	input.spec.maxReplicas == input.spec.minReplicas
	msg := sprintf("autoscaler %s cannot scale", [input.metadata.name])
}
