package kubernetes_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/dipdev/dip/renderers/kubernetes"
	"github.com/dipdev/dip/renderers/rendertest"
	"github.com/dipdev/dip/renderers/source"
)

func TestGolden(t *testing.T) {
	rendertest.Golden(t, "testdata", kubernetes.Render)
}

// typed returns an empty struct of the type apiVersion and kind decode into.
func typed(apiVersion, kind string) any {
	switch apiVersion + " " + kind {
	case "apps/v1 Deployment":
		return &appsv1.Deployment{}
	case "v1 Service":
		return &corev1.Service{}
	case "v1 ServiceAccount":
		return &corev1.ServiceAccount{}
	case "v1 Namespace":
		return &corev1.Namespace{}
	case "v1 ResourceQuota":
		return &corev1.ResourceQuota{}
	case "v1 LimitRange":
		return &corev1.LimitRange{}
	case "autoscaling/v2 HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}
	case "policy/v1 PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}
	case "networking.k8s.io/v1 Ingress":
		return &networkingv1.Ingress{}
	case "networking.k8s.io/v1 NetworkPolicy":
		return &networkingv1.NetworkPolicy{}
	case "batch/v1 CronJob":
		return &batchv1.CronJob{}
	case kubernetes.CertificateAPIVersion + " Certificate":
		return &kubernetes.Certificate{}
	case kubernetes.ExternalSecretAPIVersion + " ExternalSecret":
		return &kubernetes.ExternalSecret{}
	}
	return nil
}

// renderAll renders every request of every golden archive in each of its
// environments.
func renderAll(t *testing.T) map[string]rendered {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden archives (%v)", err)
	}
	out := map[string]rendered{}
	for _, p := range paths {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, src := range rendertest.Sources(t, rendertest.Repo(t, ar)) {
			files, err := kubernetes.Render(src)
			if err != nil {
				t.Fatalf("%s: render %s for %s: %v", p, src.Request.File, src.Env.Name, err)
			}
			for name, data := range files {
				out[p+":"+src.Env.Name+"/"+src.Request.File+"/"+name] = rendered{src, name, data}
			}
		}
	}
	return out
}

type rendered struct {
	src  *source.Request
	name string
	data []byte
}

// TestStrict decodes every rendered document strictly into the typed struct
// of its apiVersion and kind, so that a misspelt or misplaced field fails,
// and checks that decoding lost nothing, that the file is named after the
// kind and that the object carries the request's labels and annotations.
func TestStrict(t *testing.T) {
	for key, f := range renderAll(t) {
		var head metav1.TypeMeta
		if err := yaml.Unmarshal(f.data, &head); err != nil {
			t.Errorf("%s: %v", key, err)
			continue
		}
		obj := typed(head.APIVersion, head.Kind)
		if obj == nil {
			t.Errorf("%s: unexpected apiVersion %q kind %q", key, head.APIVersion, head.Kind)
			continue
		}
		if want := strings.ToLower(head.Kind) + ".yaml"; f.name != want {
			t.Errorf("%s: a %s is in %s, want %s", key, head.Kind, f.name, want)
		}
		if err := yaml.UnmarshalStrict(f.data, obj); err != nil {
			t.Errorf("%s: strict decode into %T: %v", key, obj, err)
			continue
		}
		var doc, back any
		if err := yaml.Unmarshal(f.data, &doc); err != nil {
			t.Fatal(err)
		}
		j, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(j, &back); err != nil {
			t.Fatal(err)
		}
		if path, ok := subset(doc, back, ""); !ok {
			t.Errorf("%s: %s does not survive decoding into %T", key, path, obj)
		}
		m := obj.(metav1.Object)
		for k, v := range f.src.Labels() {
			if got := m.GetLabels()[k]; got != v {
				t.Errorf("%s: label %s = %q, want %q", key, k, got, v)
			}
		}
		for k, v := range f.src.Annotations() {
			if got := m.GetAnnotations()[k]; got != v {
				t.Errorf("%s: annotation %s = %q, want %q", key, k, got, v)
			}
		}
		if m.GetName() == "" {
			t.Errorf("%s: no name", key)
		}
		if m.GetNamespace() == "" && head.Kind != "Namespace" {
			t.Errorf("%s: no namespace", key)
		}
	}
}

// subset reports whether every value in a is in b too, and if not, where.
func subset(a, b any, path string) (string, bool) {
	switch a := a.(type) {
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok {
			return path, false
		}
		for k, v := range a {
			if p, ok := subset(v, bm[k], path+"."+k); !ok {
				return p, false
			}
		}
		return "", true
	case []any:
		bl, ok := b.([]any)
		if !ok || len(bl) != len(a) {
			return path, false
		}
		for i := range a {
			if p, ok := subset(a[i], bl[i], path+"[]"); !ok {
				return p, false
			}
		}
		return "", true
	default:
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		return path, bytes.Equal(ja, jb)
	}
}

// TestDeterministic renders every golden input many times, each time from a
// freshly decoded repo, and expects the same bytes.
func TestDeterministic(t *testing.T) {
	first := renderAll(t)
	for range 10 {
		again := renderAll(t)
		if len(again) != len(first) {
			t.Fatalf("rendered %d files, then %d", len(first), len(again))
		}
		for key, f := range first {
			if !bytes.Equal(f.data, again[key].data) {
				t.Fatalf("%s differs between renders:\n%s\n---\n%s", key, f.data, again[key].data)
			}
		}
	}
}
