package validate_test

import (
	"strings"
	"testing"

	"github.com/dipdev/dip/platform"
)

const (
	dbFile  = "requests/payments/orders-db.yaml"
	apiFile = "requests/payments/orders-api.yaml"
)

// v2Requests are the fixtures' database and service in dip/v2.
var v2Requests = map[string]string{
	dbFile: `apiVersion: dip/v2
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
      storage: {sizeGB: 100, maxSizeGB: 400}
      highAvailability: true
`,
	apiFile: `apiVersion: dip/v2
kind: Service
metadata:
  name: orders-api
  team: payments
spec:
  environments: [staging, production]
  namespace: payments
  image: ghcr.io/acme/orders-api:1.4.2
  ports:
    - name: http
      port: 8080
    - name: metrics
      port: 9090
  scaling:
    min: 2
    max: 6
  uses:
    - {kind: PostgresDatabase, name: orders-db}
  overrides:
    production:
      scaling: {min: 4}
`,
}

// v2Edit returns the v2 fixture in file with old replaced by new.
func v2Edit(t *testing.T, file, old, new string) map[string]string {
	t.Helper()
	files := map[string]string{dbFile: v2Requests[dbFile], apiFile: v2Requests[apiFile]}
	if !strings.Contains(files[file], old) {
		t.Fatalf("%s does not contain %q", file, old)
	}
	files[file] = strings.Replace(files[file], old, new, 1)
	return files
}

func TestValidV2Requests(t *testing.T) {
	repo, diags := validateAll(t, repoFS(v2Requests))
	for _, d := range diags {
		t.Errorf("unexpected diagnostic: %s [%s]", d, d.Rule)
	}
	if repo == nil || repo.Find("Service", "orders-api") == nil || repo.Find("PostgresDatabase", "orders-db") == nil {
		t.Fatal("the v2 requests are not in the repo")
	}
}

// A request on a deprecated version gets a warning on its apiVersion
// line naming the codemod, and stays valid.
func TestDeprecatedVersionsWarn(t *testing.T) {
	repo, diags := validateAll(t, repoFS(nil))
	want := map[string]string{
		dbFile:  "apiVersion: PostgresDatabase dip/v1 is deprecated and dip/v2 replaces it; run dip migrate to move this request (codemod postgresdatabase-v1-to-v2)",
		apiFile: "apiVersion: Service dip/v1 is deprecated and dip/v2 replaces it; run dip migrate to move this request (codemod service-v1-to-v2)",
	}
	if len(diags) != len(want) {
		t.Fatalf("got %s", diagList(diags))
	}
	for _, d := range diags {
		if d.Message != want[d.File] || d.Line != 1 || d.Column != 1 || d.Rule != "deprecated" || d.Severity != platform.SeverityWarning {
			t.Errorf("got %s [%s] %s", d, d.Rule, d.Severity)
		}
	}
	if diags.HasErrors() {
		t.Error("deprecation warnings count as errors")
	}
	for file := range want {
		found := false
		for _, r := range repo.Requests {
			found = found || r.File == file
		}
		if !found {
			t.Errorf("%s is left out of the repo", file)
		}
	}
}

func TestV2BadInputs(t *testing.T) {
	tests := []struct {
		name  string
		files func(t *testing.T) map[string]string
		want  []string
	}{
		{"instance class", func(t *testing.T) map[string]string {
			return v2Edit(t, dbFile, "instanceClass: db.t4g.small", "instanceClass: small")
		}, []string{dbFile + `:8:3 [schema] spec.instanceClass: must be an RDS instance class such as db.t4g.small (got "small")`}},
		{"no instance class", func(t *testing.T) map[string]string {
			return v2Edit(t, dbFile, "  instanceClass: db.t4g.small\n", "")
		}, []string{dbFile + `:6:1 [schema] spec: missing required field "instanceClass"`}},
		{"autoscaling below the size", func(t *testing.T) map[string]string {
			return v2Edit(t, dbFile, "maxSizeGB: 400", "maxSizeGB: 60")
		}, []string{dbFile + `:14:30 [schema] spec.storage.maxSizeGB: must be at least sizeGB (100) in environment production (got 60)`}},
		{"v1 field in v2", func(t *testing.T) map[string]string {
			return v2Edit(t, dbFile, "  storage:\n    sizeGB: 50\n", "  storageGB: 50\n")
		}, []string{dbFile + `:9:3 [schema] spec: unknown field "storageGB": PostgresDatabase dip/v2 writes it as storage.sizeGB`}},
		{"v1 field in a v2 override", func(t *testing.T) map[string]string {
			return v2Edit(t, dbFile, "      instanceClass: db.r6g.xlarge\n", "      size: large\n")
		}, []string{dbFile + `:13:7 [schema] spec.overrides.production: unknown field "size": PostgresDatabase dip/v2 writes it as instanceClass`}},
		{"scaling maximum below minimum", func(t *testing.T) map[string]string {
			return v2Edit(t, apiFile, "scaling: {min: 4}", "scaling: {min: 8}")
		}, []string{apiFile + `:17:5 [schema] spec.scaling.max: must be at least min (8) in environment production (got 6)`}},
		{"duplicate port name", func(t *testing.T) map[string]string {
			return v2Edit(t, apiFile, "name: metrics", "name: http")
		}, []string{apiFile + `:13:7 [schema] spec.ports[1].name: "http" is already the name of spec.ports[0]; name each port once`}},
		{"duplicate port number", func(t *testing.T) map[string]string {
			return v2Edit(t, apiFile, "port: 9090", "port: 8080")
		}, []string{apiFile + `:14:7 [schema] spec.ports[1].port: 8080 is already spec.ports[0]; list each port once`}},
		{"port 80 not first", func(t *testing.T) map[string]string {
			return v2Edit(t, apiFile, "port: 9090", "port: 80")
		}, []string{apiFile + `:14:7 [schema] spec.ports[1].port: the in-cluster Service reaches the first port, http, on port 80`}},
		{"no ports", func(t *testing.T) map[string]string {
			return v2Edit(t, apiFile, "  ports:\n    - name: http\n      port: 8080\n    - name: metrics\n      port: 9090\n", "  ports: []\n")
		}, []string{apiFile + `:10:3 [schema] spec.ports: must not be empty`}},
		{"bad port name", func(t *testing.T) map[string]string {
			return v2Edit(t, apiFile, "name: metrics", "name: prometheus-metrics")
		}, []string{apiFile + `:13:7 [schema] spec.ports[1].name: must be at most 15 characters long (got 18)`}},
		{"port name without a letter", func(t *testing.T) map[string]string {
			return v2Edit(t, apiFile, "name: metrics", `name: "9090"`)
		}, []string{apiFile + `:13:7 [schema] spec.ports[1].name: must be a port name`}},
		{"v1 replicas in v2", func(t *testing.T) map[string]string {
			return v2Edit(t, apiFile, "scaling: {min: 4}", "replicas: 4")
		}, []string{apiFile + `:22:7 [schema] spec.overrides.production: unknown field "replicas": Service dip/v2 writes it as scaling.min`}},
		{"v2 scaling in v1", func(t *testing.T) map[string]string {
			return edit(t, apiFile, "  public: true\n", "  public: true\n  scaling: {min: 3}\n")
		},
			[]string{apiFile + `:17:3 [schema] spec: unknown field "scaling": Service dip/v1 writes it as replicas`}},
		{"kind without the version", func(t *testing.T) map[string]string {
			return edit(t, "requests/payments/order-events.yaml", "apiVersion: dip/v1", "apiVersion: dip/v2")
		}, []string{"requests/payments/order-events.yaml:1:1 [kind] apiVersion: dip/v2 has no Queue blueprint; Queue is in dip/v1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := validateFS(t, repoFS(tc.files(t)))
			for _, w := range tc.want {
				pos, rest, _ := strings.Cut(w, " [")
				rule, msg, _ := strings.Cut(rest, "] ")
				found := false
				for _, d := range diags {
					found = found || d.Pos.String() == pos && d.Rule == rule && strings.Contains(d.Message, msg)
				}
				if !found {
					t.Errorf("missing diagnostic:\n  %s\ngot:\n  %s", w, diagList(diags))
				}
			}
		})
	}
}
