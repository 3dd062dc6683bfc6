package kubernetes

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers/source"
)

// labelNamespaceName is the label the API server sets on every namespace
// to its name.
const labelNamespaceName = "kubernetes.io/metadata.name"

// podSecurity enforces the "restricted" Pod Security Standard, and warns
// and audits against it too so that kubectl and the audit log say why a
// pod is refused.
var podSecurity = map[string]string{
	"pod-security.kubernetes.io/enforce": "restricted",
	"pod-security.kubernetes.io/warn":    "restricted",
	"pod-security.kubernetes.io/audit":   "restricted",
}

// namespace renders a Namespace request: the namespace, named after the
// request, and in it a ResourceQuota, a LimitRange and a NetworkPolicy,
// each also named after the request.
func namespace(r *source.Request, s *platform.NamespaceSpec) ([]object, error) {
	name := r.Request.Name
	quota, err := resourceQuota(r, s.Quota)
	if err != nil {
		return nil, err
	}
	limits, err := limitRange(r)
	if err != nil {
		return nil, err
	}
	return []object{
		&corev1.Namespace{
			TypeMeta:   typeMeta("v1", "Namespace"),
			ObjectMeta: meta(r, name, "", podSecurity),
		},
		quota,
		limits,
		networkPolicy(r, s.AllowIngressFrom),
	}, nil
}

// resourceQuota caps the namespace's requests and limits of CPU and memory
// at spec.quota, and its pods at spec.quota.pods.
func resourceQuota(r *source.Request, q platform.Quota) (*corev1.ResourceQuota, error) {
	cpu, err := resource.ParseQuantity(q.CPU)
	if err != nil {
		return nil, fmt.Errorf("spec.quota.cpu %q: %w", q.CPU, err)
	}
	mem, err := resource.ParseQuantity(q.Memory)
	if err != nil {
		return nil, fmt.Errorf("spec.quota.memory %q: %w", q.Memory, err)
	}
	return &corev1.ResourceQuota{
		TypeMeta:   typeMeta("v1", "ResourceQuota"),
		ObjectMeta: meta(r, r.Request.Name, r.Request.Name, nil),
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
			corev1.ResourceRequestsCPU:    cpu,
			corev1.ResourceLimitsCPU:      cpu,
			corev1.ResourceRequestsMemory: mem,
			corev1.ResourceLimitsMemory:   mem,
			corev1.ResourcePods:           *resource.NewQuantity(int64(q.Pods), resource.DecimalSI),
		}},
	}, nil
}

// limitRange gives containers that set no resources the platform's default
// resources (those of a Service), as both requests and limits: with a
// quota in place, a pod without them would be refused.
func limitRange(r *source.Request) (*corev1.LimitRange, error) {
	rl, err := resources(platform.DefaultResources())
	if err != nil {
		return nil, fmt.Errorf("default resources: %w", err)
	}
	return &corev1.LimitRange{
		TypeMeta:   typeMeta("v1", "LimitRange"),
		ObjectMeta: meta(r, r.Request.Name, r.Request.Name, nil),
		Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
			Type:           corev1.LimitTypeContainer,
			Default:        rl,
			DefaultRequest: rl,
		}}},
	}, nil
}

// networkPolicy denies ingress to every pod of the namespace except from
// pods of the same namespace and of the namespaces allowed, which are
// sorted and listed once each.
func networkPolicy(r *source.Request, allow []string) *networkingv1.NetworkPolicy {
	peers := []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}}
	allow = slices.Compact(slices.Sorted(slices.Values(allow)))
	for _, ns := range allow {
		if ns == r.Request.Name {
			continue
		}
		peers = append(peers, networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{
			MatchLabels: map[string]string{labelNamespaceName: ns},
		}})
	}
	return &networkingv1.NetworkPolicy{
		TypeMeta:   typeMeta("networking.k8s.io/v1", "NetworkPolicy"),
		ObjectMeta: meta(r, r.Request.Name, r.Request.Name, nil),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress:     []networkingv1.NetworkPolicyIngressRule{{From: peers}},
		},
	}
}
