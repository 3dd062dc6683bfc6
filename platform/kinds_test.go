package platform_test

import (
	"reflect"
	"testing"

	"github.com/dipdev/dip/platform"
)

const dbV2YAML = `apiVersion: dip/v2
kind: PostgresDatabase
metadata:
  name: orders-db
  team: payments
spec:
  environments: [staging, production]
  instanceClass: db.t4g.small
  storage:
    sizeGB: 50
  overrides:
    production:
      instanceClass: db.r6g.xlarge
      storage: {maxSizeGB: 200}
`

const serviceV1YAML = `apiVersion: dip/v1
kind: Service
metadata: {name: api, team: payments}
spec:
  environments: [staging, production]
  namespace: payments
  image: api:1
  port: 9000
  replicas: 3
  overrides:
    production: {maxReplicas: 9}
`

const serviceV2YAML = `apiVersion: dip/v2
kind: Service
metadata: {name: api, team: payments}
spec:
  environments: [staging, production]
  namespace: payments
  image: api:1
  ports:
    - {name: http, port: 9000}
  scaling:
    min: 3
  overrides:
    production:
      scaling: {max: 9}
`

func decode(t *testing.T, file, data string) *platform.Request {
	t.Helper()
	doc, err := platform.ParseYAML(file, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	req, err := platform.DecodeRequest(doc)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func spec(t *testing.T, req *platform.Request, env string) platform.Spec {
	t.Helper()
	s, err := req.Spec(env)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A v1 request and its v2 form give the renderers the same spec.
func TestVersionsShareOneModel(t *testing.T) {
	v1 := decode(t, "requests/payments/api.yaml", serviceV1YAML)
	v2 := decode(t, "requests/payments/api.yaml", serviceV2YAML)
	for _, env := range []string{"staging", "production"} {
		a, b := spec(t, v1, env), spec(t, v2, env)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: v1 spec %+v, v2 spec %+v", env, a, b)
		}
	}
	prod := spec(t, v2, "production").(*platform.ServiceSpec)
	if prod.Scaling != (platform.Scaling{Min: 3, Max: 9}) || prod.Scaling.Maximum() != 9 {
		t.Errorf("production scaling %+v", prod.Scaling)
	}
	if got := spec(t, v2, "staging").(*platform.ServiceSpec).Scaling.Maximum(); got != 6 {
		t.Errorf("default maximum %d, want 6", got)
	}
	db := spec(t, decode(t, "requests/payments/orders-db.yaml", dbV2YAML), "production").(*platform.PostgresDatabaseSpec)
	if db.InstanceClass != "db.r6g.xlarge" || db.Storage != (platform.Storage{SizeGB: 50, MaxSizeGB: 200}) {
		t.Errorf("production database %+v", db)
	}
}

func TestFieldIn(t *testing.T) {
	tests := []struct{ version, kind, field, want string }{
		{"dip/v2", "Service", "spec.replicas", "spec.scaling.min"},
		{"dip/v2", "Service", "spec.maxReplicas", "spec.scaling.max"},
		{"dip/v2", "Service", "spec.port", "spec.ports.0.port"},
		{"dip/v2", "Service", "spec.scaling.min", "spec.scaling.min"},
		{"dip/v1", "Service", "spec.scaling.min", "spec.replicas"},
		{"dip/v1", "Service", "spec.scaling", "spec.replicas"},
		{"dip/v1", "Service", "spec.ports", "spec.port"},
		{"dip/v1", "Service", "spec.replicas", "spec.replicas"},
		{"dip/v2", "PostgresDatabase", "spec.size", "spec.instanceClass"},
		{"dip/v2", "PostgresDatabase", "spec.storageGB", "spec.storage.sizeGB"},
		{"dip/v1", "PostgresDatabase", "spec.instanceClass", "spec.size"},
		{"dip/v1", "PostgresDatabase", "spec.storage.sizeGB", "spec.storageGB"},
		{"dip/v2", "PostgresDatabase", "spec.encrypted", "spec.encrypted"},
		{"dip/v1", "Queue", "spec.encrypted", "spec.encrypted"},
		{"dip/v9", "Service", "spec.replicas", "spec.replicas"},
	}
	for _, tc := range tests {
		if got := platform.FieldIn(tc.version, tc.kind, tc.field); got != tc.want {
			t.Errorf("FieldIn(%s, %s, %s) = %s, want %s", tc.version, tc.kind, tc.field, got, tc.want)
		}
	}
}

// A field a policy names by its v1 path lands on its v2 line, in the
// overrides when set there.
func TestFieldPosAcrossVersions(t *testing.T) {
	svc := decode(t, "requests/payments/api.yaml", serviceV2YAML)
	db := decode(t, "requests/payments/orders-db.yaml", dbV2YAML)
	tests := []struct {
		req        *platform.Request
		env, field string
		want       string
	}{
		{svc, "staging", "spec.replicas", "requests/payments/api.yaml:11:5"},
		{svc, "production", "spec.maxReplicas", "requests/payments/api.yaml:14:17"},
		{svc, "staging", "spec.maxReplicas", "requests/payments/api.yaml:10:3"}, // defaulted: its parent
		{svc, "staging", "spec.port", "requests/payments/api.yaml:9:20"},
		{db, "production", "spec.size", "requests/payments/orders-db.yaml:13:7"},
		{db, "staging", "spec.storageGB", "requests/payments/orders-db.yaml:10:5"},
	}
	for _, tc := range tests {
		if got := tc.req.FieldPos(tc.env, tc.field).String(); got != tc.want {
			t.Errorf("%s FieldPos(%q, %q) = %s, want %s", tc.req.Kind, tc.env, tc.field, got, tc.want)
		}
	}
}

func TestDeprecation(t *testing.T) {
	for _, tc := range []struct {
		version, kind string
		want          platform.Deprecation
		deprecated    bool
	}{
		{"dip/v1", "PostgresDatabase", platform.Deprecation{Successor: "dip/v2", Codemod: "postgresdatabase-v1-to-v2"}, true},
		{"dip/v1", "Service", platform.Deprecation{Successor: "dip/v2", Codemod: "service-v1-to-v2"}, true},
		{"dip/v2", "Service", platform.Deprecation{}, false},
		{"dip/v1", "Queue", platform.Deprecation{}, false},
	} {
		k, ok := platform.LookupKind(tc.version, tc.kind)
		if !ok {
			t.Fatalf("no kind %s %s", tc.version, tc.kind)
		}
		got, deprecated := k.Deprecation()
		if got != tc.want || deprecated != tc.deprecated {
			t.Errorf("%s %s: Deprecation() = %+v, %v; want %+v, %v", tc.version, tc.kind, got, deprecated, tc.want, tc.deprecated)
		}
	}
}

func TestRegisterKindRejects(t *testing.T) {
	k, _ := platform.LookupKind("dip/v1", "Queue")
	if err := platform.RegisterKind(k); err == nil {
		t.Error("a second dip/v1 Queue was registered")
	}
	if err := platform.RegisterKind(platform.Kind{APIVersion: "dip/v3", Name: "Queue"}); err == nil {
		t.Error("a kind without a decoder was registered")
	}
}
