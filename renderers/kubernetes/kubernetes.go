// Package kubernetes renders Kubernetes manifests from k8s.io/api types.
//
// Each object is written to its own file, named after its kind in lower
// case ("deployment.yaml"). Objects are built as typed structs (and, for
// cert-manager's Certificate and the External Secrets Operator's
// ExternalSecret, small typed structs of this package), encoded to JSON
// and then to YAML with sorted keys. What typed structs encode by default
// but that says nothing (status, nulls, empty "resources" or "strategy"
// objects) is removed, so that the manifests read as a person would write
// them. Every object carries the request's labels and annotations
// (source.Request.Labels and Annotations) and LabelName.
//
// Strings from requests reach the container as written: Kubernetes
// expands $(NAME) in env values and commands, so those are escaped (see
// literal).
package kubernetes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers/source"
)

// LabelName is the conventional name label, set to the request's name on
// every object and pod.
const LabelName = "app.kubernetes.io/name"

// object is a rendered object: a pointer to a struct that embeds
// metav1.TypeMeta.
type object interface {
	GetObjectKind() schema.ObjectKind
}

// Render returns the Kubernetes manifests of r by file name; nil when r's
// kind renders no Kubernetes objects.
func Render(r *source.Request) (map[string][]byte, error) {
	var objs []object
	var err error
	switch s := r.Spec.(type) {
	case *platform.ServiceSpec:
		objs, err = service(r, s)
	case *platform.BatchJobSpec:
		objs, err = batchJob(r, s)
	case *platform.NamespaceSpec:
		objs, err = namespace(r, s)
	case *platform.CertificateSpec:
		objs = []object{certificate(r, s)}
	case *platform.SecretSpec:
		objs = []object{secret(r, s)}
	default:
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	files := make(map[string][]byte, len(objs))
	for _, obj := range objs {
		kind := obj.GetObjectKind().GroupVersionKind().Kind
		if kind == "" {
			return nil, fmt.Errorf("encode %T: no kind set", obj)
		}
		name := strings.ToLower(kind) + ".yaml"
		if _, dup := files[name]; dup {
			return nil, fmt.Errorf("encode %s: two objects of the same kind", kind)
		}
		data, err := encode(obj)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", kind, err)
		}
		files[name] = data
	}
	return files, nil
}

// typeMeta returns the TypeMeta of apiVersion and kind.
func typeMeta(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}

// meta returns the ObjectMeta of an object called name in namespace ns (""
// for cluster-scoped objects), with the request's labels, LabelName and
// the extra labels, and the request's annotations.
func meta(r *source.Request, name, ns string, extra map[string]string) metav1.ObjectMeta {
	labels := r.Labels()
	labels[LabelName] = r.Request.Name
	for k, v := range extra {
		labels[k] = v
	}
	return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels, Annotations: r.Annotations()}
}

// keepEmpty lists the fields whose empty object means something: an empty
// selector selects everything, and an empty emptyDir is a default volume.
var keepEmpty = map[string]bool{
	"podSelector":       true,
	"namespaceSelector": true,
	"emptyDir":          true,
}

// encode returns obj as YAML, without the status a desired state never
// holds, without nulls and without the empty objects that typed structs
// encode by default.
func encode(obj object) ([]byte, error) {
	j, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	v, err := decodeJSON(j)
	if err != nil {
		return nil, err
	}
	if m, ok := v.(map[string]any); ok {
		delete(m, "status")
	}
	v = prune(v)
	if out, ok := emitYAML(v); ok {
		return out, nil
	}
	return encodeYAML(v)
}

// encodeYAML writes v with yaml.v3, which writes map keys sorted and quotes
// any string that would read back as another type.
func encodeYAML(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// prune removes null values and empty objects from v, except the empty
// objects that keepEmpty names.
func prune(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			e = prune(e)
			if m, ok := e.(map[string]any); e == nil || ok && len(m) == 0 && !keepEmpty[k] {
				delete(v, k)
				continue
			}
			v[k] = e
		}
	case []any:
		for i, e := range v {
			v[i] = prune(e)
		}
	}
	return v
}
