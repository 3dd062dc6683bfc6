package kubernetes

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers/source"
)

// The user and group every container runs as: the conventional "nonroot"
// user of distroless images, never root.
const (
	runAsUser  = 65532
	runAsGroup = 65532
)

// tmpVolume is a scratch directory mounted at /tmp, so that programs that
// write temporary files run on a read-only root filesystem.
const tmpVolume = "tmp"

// podLabels returns the labels of the pods of a workload: the request's
// labels and the selector labels.
func podLabels(r *source.Request) map[string]string {
	labels := r.Labels()
	for k, v := range selectorLabels(r) {
		labels[k] = v
	}
	return labels
}

// selectorLabels selects the pods of a workload. They are never changed
// once set (a Deployment's selector is immutable), so they hold only the
// request's kind and name, which identify it for good, and not its team or
// cost center, which may change.
func selectorLabels(r *source.Request) map[string]string {
	return map[string]string{
		LabelName:        r.Request.Name,
		source.LabelKind: r.Request.Kind,
	}
}

// container returns the container every workload runs: image, resources
// with equal requests and limits, a hardened security context and /tmp.
func container(r *source.Request, image string, res platform.Resources) (corev1.Container, error) {
	rl, err := resources(res)
	if err != nil {
		return corev1.Container{}, err
	}
	return corev1.Container{
		Name:      r.Request.Name,
		Image:     image,
		Resources: corev1.ResourceRequirements{Requests: rl, Limits: rl},
		SecurityContext: &corev1.SecurityContext{
			RunAsNonRoot:             ptr.To(true),
			RunAsUser:                ptr.To[int64](runAsUser),
			RunAsGroup:               ptr.To[int64](runAsGroup),
			AllowPrivilegeEscalation: ptr.To(false),
			ReadOnlyRootFilesystem:   ptr.To(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		VolumeMounts: []corev1.VolumeMount{{Name: tmpVolume, MountPath: "/tmp"}},
	}, nil
}

// podSpec returns the pod spec around c. Pods get no Kubernetes API token:
// the paved paths do not talk to the API server, and the token AWS workload
// identity needs is projected separately.
func podSpec(c corev1.Container) corev1.PodSpec {
	return corev1.PodSpec{
		AutomountServiceAccountToken: ptr.To(false),
		Containers:                   []corev1.Container{c},
		Volumes: []corev1.Volume{{
			Name:         tmpVolume,
			VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}},
		}},
	}
}

// resources returns res as a resource list, or an error naming the field
// that is not a quantity.
func resources(res platform.Resources) (corev1.ResourceList, error) {
	cpu, err := resource.ParseQuantity(res.CPU)
	if err != nil {
		return nil, fmt.Errorf("spec.resources.cpu %q: %w", res.CPU, err)
	}
	mem, err := resource.ParseQuantity(res.Memory)
	if err != nil {
		return nil, fmt.Errorf("spec.resources.memory %q: %w", res.Memory, err)
	}
	return corev1.ResourceList{corev1.ResourceCPU: cpu, corev1.ResourceMemory: mem}, nil
}

// literal escapes s so that Kubernetes passes it to the container as
// written. Kubernetes expands $(NAME) in env values, commands and args and
// turns $$ into $; doubling every $ that starts either keeps s literal and
// leaves every other $ (such as ${x}) untouched.
func literal(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] == '$' && i+1 < len(s) && (s[i+1] == '$' || s[i+1] == '(') {
			b.WriteByte('$')
		}
	}
	return b.String()
}
