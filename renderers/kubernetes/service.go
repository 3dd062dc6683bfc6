package kubernetes

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers/source"
	"github.com/dipdev/dip/renderers/terraform"
)

// AnnotationIAMRole names, on a ServiceAccount, the IAM role its pods
// assume. The role's ARN, which eks.amazonaws.com/role-arn needs, holds the
// AWS account, which only Terraform knows; the platform turns this name
// into that annotation (for example with an admission policy).
const AnnotationIAMRole = "dip.dev/iam-role"

const (
	// servicePort is the port of the core Service where the Service's
	// first port is reached.
	servicePort = 80
	// cpuTarget is the average CPU utilisation, in percent of requests,
	// the autoscaler keeps.
	cpuTarget = 70
	// annotationClusterIssuer asks cert-manager for an Ingress certificate.
	annotationClusterIssuer = "cert-manager.io/cluster-issuer"
	labelZone               = "topology.kubernetes.io/zone"
)

// service renders a Service request: Deployment, Service, ServiceAccount,
// HorizontalPodAutoscaler and PodDisruptionBudget; an Ingress when public;
// and an ExternalSecret with the connections of the databases it uses.
func service(r *source.Request, s *platform.ServiceSpec) ([]object, error) {
	u, err := resolveUses(r, s)
	if err != nil {
		return nil, err
	}
	deploy, err := deployment(r, s, u)
	if err != nil {
		return nil, err
	}
	hpa, err := autoscaler(r, s)
	if err != nil {
		return nil, err
	}
	objs := []object{deploy, coreService(r, s), serviceAccount(r, u), hpa, disruptionBudget(r, s)}
	if s.Public {
		ing, err := ingress(r, s)
		if err != nil {
			return nil, err
		}
		objs = append(objs, ing)
	}
	if len(u.databases) > 0 {
		name := databasesSecret(r.Request.Name)
		objs = append(objs, externalSecret(r, name, s.Namespace, u.databases))
	}
	return objs, nil
}

// mainPort is the name of a Service's first port, which the probes, the
// core Service's port 80 and the ingress reach.
func mainPort(s *platform.ServiceSpec) (string, error) {
	if len(s.Ports) == 0 {
		return "", fmt.Errorf("spec.ports: a Service needs at least one port")
	}
	return s.Ports[0].Name, nil
}

// deployment runs the Service's pods. It leaves spec.replicas unset: the
// HorizontalPodAutoscaler owns the replica count (its minimum is
// spec.scaling.min), and a replica count in the manifest would reset it
// on every apply.
func deployment(r *source.Request, s *platform.ServiceSpec, u *uses) (*appsv1.Deployment, error) {
	c, err := container(r, s.Image, s.Resources)
	if err != nil {
		return nil, err
	}
	main, err := mainPort(s)
	if err != nil {
		return nil, err
	}
	for _, p := range s.Ports {
		c.Ports = append(c.Ports, corev1.ContainerPort{Name: p.Name, ContainerPort: int32(p.Port)})
	}
	c.LivenessProbe = httpProbe(s.Probes.Liveness, main)
	c.ReadinessProbe = httpProbe(s.Probes.Readiness, main)
	if c.Env, err = serviceEnv(r, s, u); err != nil {
		return nil, err
	}
	pod := podSpec(c)
	pod.ServiceAccountName = r.Request.Name
	pod.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
		MaxSkew:           1,
		TopologyKey:       labelZone,
		WhenUnsatisfiable: corev1.ScheduleAnyway,
		LabelSelector:     &metav1.LabelSelector{MatchLabels: selectorLabels(r)},
	}}
	return &appsv1.Deployment{
		TypeMeta:   typeMeta("apps/v1", "Deployment"),
		ObjectMeta: meta(r, r.Request.Name, s.Namespace, nil),
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: selectorLabels(r)},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels(r), Annotations: r.Annotations()},
				Spec:       pod,
			},
		},
	}, nil
}

func httpProbe(path, port string) *corev1.Probe {
	return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
		HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString(port)},
	}}
}

// coreService exposes the pods inside the cluster: the first port on port
// 80, every other port on its own number, each by its name.
func coreService(r *source.Request, s *platform.ServiceSpec) *corev1.Service {
	ports := make([]corev1.ServicePort, len(s.Ports))
	for i, p := range s.Ports {
		ports[i] = corev1.ServicePort{Name: p.Name, Port: int32(p.Port), TargetPort: intstr.FromString(p.Name)}
	}
	if len(ports) > 0 {
		ports[0].Port = servicePort
	}
	return &corev1.Service{
		TypeMeta:   typeMeta("v1", "Service"),
		ObjectMeta: meta(r, r.Request.Name, s.Namespace, nil),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: selectorLabels(r),
			Ports:    ports,
		},
	}
}

// serviceAccount is the identity of the Service's pods. When the Service
// uses a request of a cloud kind, the Terraform renderer creates an IAM
// role for it that trusts this ServiceAccount, named
// terraform.ServiceRoleName, and the ServiceAccount names that role in
// AnnotationIAMRole.
func serviceAccount(r *source.Request, u *uses) *corev1.ServiceAccount {
	m := meta(r, r.Request.Name, r.Spec.(*platform.ServiceSpec).Namespace, nil)
	if u.cloud {
		m.Annotations[AnnotationIAMRole] = terraform.ServiceRoleName(r.Team.Name, r.Request.Name, r.Env.Name)
	}
	return &corev1.ServiceAccount{
		TypeMeta:                     typeMeta("v1", "ServiceAccount"),
		ObjectMeta:                   m,
		AutomountServiceAccountToken: ptr.To(false),
	}
}

// autoscaler scales the Deployment on CPU between spec.scaling.min and
// spec.scaling.max, which defaults to twice the minimum, at most 100.
func autoscaler(r *source.Request, s *platform.ServiceSpec) (*autoscalingv2.HorizontalPodAutoscaler, error) {
	maxReplicas := s.Scaling.Maximum()
	if maxReplicas < s.Scaling.Min {
		return nil, fmt.Errorf("spec.scaling.max %d is below spec.scaling.min %d", maxReplicas, s.Scaling.Min)
	}
	return &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   typeMeta("autoscaling/v2", "HorizontalPodAutoscaler"),
		ObjectMeta: meta(r, r.Request.Name, s.Namespace, nil),
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{
				APIVersion: "apps/v1", Kind: "Deployment", Name: r.Request.Name,
			},
			MinReplicas: ptr.To(int32(s.Scaling.Min)),
			MaxReplicas: int32(maxReplicas),
			Metrics: []autoscalingv2.MetricSpec{{
				Type: autoscalingv2.ResourceMetricSourceType,
				Resource: &autoscalingv2.ResourceMetricSource{
					Name: corev1.ResourceCPU,
					Target: autoscalingv2.MetricTarget{
						Type:               autoscalingv2.UtilizationMetricType,
						AverageUtilization: ptr.To[int32](cpuTarget),
					},
				},
			}},
		},
	}, nil
}

// disruptionBudget lets a voluntary disruption, such as a node drain, take
// one pod at a time. maxUnavailable 1 (not minAvailable 1) keeps a
// one-replica Service drainable, and unhealthy pods may always be evicted
// so that a crash-looping pod never blocks a drain.
func disruptionBudget(r *source.Request, s *platform.ServiceSpec) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{
		TypeMeta:   typeMeta("policy/v1", "PodDisruptionBudget"),
		ObjectMeta: meta(r, r.Request.Name, s.Namespace, nil),
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable:             ptr.To(intstr.FromInt32(1)),
			Selector:                   &metav1.LabelSelector{MatchLabels: selectorLabels(r)},
			UnhealthyPodEvictionPolicy: ptr.To(policyv1.AlwaysAllow),
		},
	}
}

// ingress routes spec.host to the Service. With spec.tls, the ingress
// terminates HTTPS with a certificate cert-manager issues from the
// platform's default issuer into the Secret <name>-tls; without it, the
// host is served over plain HTTP.
func ingress(r *source.Request, s *platform.ServiceSpec) (*networkingv1.Ingress, error) {
	if s.Host == "" {
		return nil, fmt.Errorf("spec.host: required when spec.public is true")
	}
	main, err := mainPort(s)
	if err != nil {
		return nil, err
	}
	ing := &networkingv1.Ingress{
		TypeMeta:   typeMeta("networking.k8s.io/v1", "Ingress"),
		ObjectMeta: meta(r, r.Request.Name, s.Namespace, nil),
		Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{
			Host: s.Host,
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{
					Path:     "/",
					PathType: ptr.To(networkingv1.PathTypePrefix),
					Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
						Name: r.Request.Name,
						Port: networkingv1.ServiceBackendPort{Name: main},
					}},
				}},
			}},
		}}},
	}
	if s.TLS {
		ing.Annotations[annotationClusterIssuer] = platform.DefaultIssuer
		ing.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{s.Host}, SecretName: r.Request.Name + "-tls"}}
	}
	return ing, nil
}
