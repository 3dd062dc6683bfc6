package kubernetes

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// decodeStd is what decodeJSON replaces: encoding/json with UseNumber,
// integers as int64 and other numbers as float64, an error for a number
// out of float64's range.
func decodeStd(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var bad error
	var conv func(any) any
	conv = func(v any) any {
		switch v := v.(type) {
		case json.Number:
			if i, err := v.Int64(); err == nil {
				return i
			}
			f, err := v.Float64()
			if err != nil {
				bad = err
			}
			return f
		case map[string]any:
			for k, e := range v {
				v[k] = conv(e)
			}
		case []any:
			for i, e := range v {
				v[i] = conv(e)
			}
		}
		return v
	}
	v = conv(v)
	return v, bad
}

func jsonSeeds(t testing.TB) [][]byte {
	replicas := int32(3)
	d := appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "api", Labels: map[string]string{"a": "<b> & \"c\" \\ é 🚀 \u2028"}},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{
				Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m")},
			}}},
		}}},
	}
	dep, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return [][]byte{
		dep,
		[]byte(`{"a":[1,-2,3.5,1e300,-0,9223372036854775807,9223372036854775808,1E-7],"b":{},"c":[],"d":null,"e":true,"f":false}`),
		[]byte(`"\u0000\ud83d\ude80\/\b\f\n\r\t"`),
		[]byte(`[[{"":""}]]`),
		[]byte(`{"a":1`),
		[]byte(`{"a" :1}`),
		[]byte(`[1,]`),
		[]byte(`-`),
	}
}

func TestDecodeJSONMatchesEncodingJSON(t *testing.T) {
	for _, b := range jsonSeeds(t) {
		checkDecodeJSON(t, b)
	}
}

// FuzzDecodeJSON: on compact valid JSON decodeJSON gives what encoding/json
// gives; on anything else it returns, with an error or a value, and never
// panics.
func FuzzDecodeJSON(f *testing.F) {
	for _, b := range jsonSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(checkDecodeJSON)
}

func checkDecodeJSON(t *testing.T, b []byte) {
	got, err := decodeJSON(b)
	var compact bytes.Buffer
	if !json.Valid(b) || json.Compact(&compact, b) != nil || !bytes.Equal(compact.Bytes(), b) {
		return
	}
	want, wantErr := decodeStd(b)
	if wantErr != nil {
		if err == nil {
			t.Errorf("decodeJSON(%q) = %v, encoding/json refuses it: %v", b, got, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatalf("decodeJSON(%q): %v", b, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decodeJSON(%q) differs from encoding/json (-want +got):\n%s", b, diff)
	}
}
