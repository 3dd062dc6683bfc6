package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/checks/output"
	policybundle "github.com/dipdev/dip/policy-bundle"
)

func checkWithBundle(t *testing.T, head fstest.MapFS) *pipeline.CheckRun {
	t.Helper()
	run, err := pipeline.Check(context.Background(), pipeline.CheckOptions{Head: head, Bundle: policybundle.FS, Today: "2026-11-22"})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// Requests on a deprecated version pass dip/validate with a warning on
// their apiVersion line, in every output format.
func TestCheckWarnsOfDeprecatedVersions(t *testing.T) {
	run := checkWithBundle(t, templateV1(t))
	res := run.Report.Get(checks.Validate)
	if res.Conclusion != checks.Success || res.Title != "13 requests valid, 3 warnings" {
		t.Errorf("dip/validate = %s: %s", res.Conclusion, res.Title)
	}
	want := map[string]int{"requests/payments/orders-db.yaml": 3, "requests/payments/orders-api.yaml": 3, "requests/catalog/catalog-api.yaml": 1}
	for _, a := range res.Annotations {
		if a.Level != checks.LevelWarning || a.Rule != "deprecated" || want[a.File] != a.Line || !strings.Contains(a.Message, "run dip migrate") {
			t.Errorf("annotation %+v", a)
		}
	}
	if len(res.Annotations) != len(want) || !strings.Contains(res.Summary, "(warning) apiVersion:") {
		t.Errorf("%d annotations, summary:\n%s", len(res.Annotations), res.Summary)
	}
	if run.Report.Failed() {
		t.Error("the report fails")
	}
	var sarif bytes.Buffer
	if err := output.SARIF(&sarif, &run.Report); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Results []struct{ RuleID, Level string }
		}
	}
	if err := json.Unmarshal(sarif.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range log.Runs[0].Results {
		if r.RuleID == "deprecated" {
			n++
			if r.Level != "warning" {
				t.Errorf("SARIF level %s", r.Level)
			}
		}
	}
	var text bytes.Buffer
	if err := output.Text(&text, &run.Report); err != nil {
		t.Fatal(err)
	}
	if n != 3 || !strings.Contains(text.String(), "requests/payments/orders-db.yaml:3:1: warning: apiVersion: PostgresDatabase dip/v1 is deprecated") ||
		!strings.Contains(text.String(), "All checks passed.") {
		t.Errorf("%d SARIF results; text:\n%s", n, text.String())
	}
}

// A policy names a field as one version of the blueprint writes it; its
// finding lands on the field's line in a request of either version (for a
// rendered file, in the environment's overrides when set there; a policy
// on the request as written reports on the spec's field).
func TestPolicyFindingsLandOnEachVersionsLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		head func(t *testing.T) fstest.MapFS
		rule string
		file string
		line int
	}{
		{"v2 replicas", func(t *testing.T) fstest.MapFS {
			m := templateFS(t)
			edit(t, m, "requests/payments/orders-api.yaml", "        min: 4\n", "        min: 1\n")
			return m
		}, "requests.production_replicas", "requests/payments/orders-api.yaml", 16},
		{"v1 replicas", func(t *testing.T) fstest.MapFS {
			m := templateV1(t)
			edit(t, m, "requests/payments/orders-api.yaml", "      replicas: 4\n", "      replicas: 1\n")
			return m
		}, "requests.production_replicas", "requests/payments/orders-api.yaml", 13},
		{"v2 instance class", func(t *testing.T) fstest.MapFS {
			m := templateFS(t)
			edit(t, m, "requests/payments/orders-db.yaml", "      instanceClass: db.m6g.large\n", "      instanceClass: db.x2iedn.8xlarge\n")
			return m
		}, "terraform.restrict_instance_types", "requests/payments/orders-db.yaml", 17},
		{"v1 size, named by its v2 field", func(t *testing.T) fstest.MapFS {
			m := templateV1(t)
			// No size is outside the list by default: approve only small.
			m["policies/classes.yaml"] = &fstest.MapFile{Data: []byte("dip:\n  policy:\n    instanceClasses: [db.t4g.small]\n")}
			return m
		}, "terraform.restrict_instance_types", "requests/payments/orders-db.yaml", 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := checkWithBundle(t, tc.head(t))
			a := findAnnotation(&run.Report, checks.Policy, tc.rule)
			if a == nil || a.File != tc.file || a.Line != tc.line || strings.HasPrefix(tc.rule, "terraform.") && a.Env != "production" {
				t.Errorf("finding %+v, want %s:%d in production\n%+v", a, tc.file, tc.line, run.Report.Get(checks.Policy).Annotations)
			}
		})
	}
}
