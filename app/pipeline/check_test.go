package pipeline_test

import (
	"context"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/checks"
)

// templateFS is platform-repo-template as an in-memory file system that a
// test may change.
func templateFS(t *testing.T) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS("../../platform-repo-template"), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(os.DirFS("../../platform-repo-template"), p)
		m[p] = &fstest.MapFile{Data: data, Mode: 0o644}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func clone(m fstest.MapFS) fstest.MapFS {
	out := fstest.MapFS{}
	for k, v := range m {
		c := *v
		out[k] = &c
	}
	return out
}

func edit(t *testing.T, m fstest.MapFS, file, old, new string) {
	t.Helper()
	f := m[file]
	if f == nil || !strings.Contains(string(f.Data), old) {
		t.Fatalf("%s does not contain %q", file, old)
	}
	f.Data = []byte(strings.Replace(string(f.Data), old, new, 1))
}

func check(t *testing.T, head, base fs.FS, today string) *pipeline.CheckRun {
	t.Helper()
	run, err := pipeline.Check(context.Background(), pipeline.CheckOptions{
		Head: head, Base: base, Bundle: os.DirFS("testdata/bundle"), Today: today, PolicyTimeout: 20 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func conclusions(r *checks.Report) map[string]checks.Conclusion {
	out := map[string]checks.Conclusion{}
	for _, c := range r.Results {
		out[c.Name] = c.Conclusion
	}
	return out
}

func findAnnotation(r *checks.Report, check, rule string) *checks.Annotation {
	for _, a := range r.Get(check).Annotations {
		if a.Rule == rule {
			return &a
		}
	}
	return nil
}

func TestCheckTemplatePasses(t *testing.T) {
	run := check(t, templateFS(t), nil, "2026-11-22")
	got := conclusions(&run.Report)
	want := map[string]checks.Conclusion{checks.Validate: checks.Success, checks.Policy: checks.Success, checks.Scan: checks.Skipped, checks.Render: checks.Success}
	for name, c := range want {
		if got[name] != c {
			t.Errorf("%s = %s, want %s (%s)", name, got[name], c, run.Report.Get(name).Title)
		}
	}
	names := []string{}
	for _, c := range run.Report.Results {
		names = append(names, c.Name)
	}
	if strings.Join(names, ",") != "dip/validate,dip/policy,dip/scan,dip/render" {
		t.Errorf("check order = %v", names)
	}
	if len(run.Diff.Added) == 0 || len(run.Diff.Changed)+len(run.Diff.Removed) != 0 {
		t.Errorf("without a base every file is added: %+v", run.Diff)
	}
	if !strings.Contains(run.Report.Get(checks.Policy).Summary, "9.9.9-test") {
		t.Errorf("policy summary does not name the bundle version:\n%s", run.Report.Get(checks.Policy).Summary)
	}
}

func TestPolicyFindingLandsOnRequestLine(t *testing.T) {
	head := templateFS(t)
	// In production only: the annotation must sit in the override.
	edit(t, head, "requests/payments/orders-db.yaml", "      backupRetentionDays: 14\n", "      backupRetentionDays: 14\n      encrypted: false\n")
	run := check(t, head, nil, "2026-11-22")
	a := findAnnotation(&run.Report, checks.Policy, "terraform.enforce_encryption")
	if a == nil {
		t.Fatalf("no encryption finding:\n%+v", run.Report.Get(checks.Policy))
	}
	if a.File != "requests/payments/orders-db.yaml" || a.Line != 22 || a.Env != "production" || a.Level != checks.LevelFailure {
		t.Errorf("annotation = %+v, want requests/payments/orders-db.yaml:22 in production", a)
	}
	if !strings.HasPrefix(a.Source, "rendered/production/payments/orders-db/terraform/") {
		t.Errorf("annotation source = %q, want the rendered file", a.Source)
	}
	if run.Report.Get(checks.Policy).Conclusion != checks.Failure {
		t.Error("a deny finding did not fail dip/policy")
	}
}

func TestPoliciesComeFromTheBase(t *testing.T) {
	base := templateFS(t)
	base["policies/no-staging-db.rego"] = &fstest.MapFile{Data: []byte(`package platform.nostaging

# METADATA
# custom:
#   id: platform.no_staging_databases
deny contains "databases are not offered in staging" if {
	input.kind == "PostgresDatabase"
	"staging" in input.spec.environments
}
`)}
	head := clone(base)
	// The change deletes the policy and adds a request it forbids.
	delete(head, "policies/no-staging-db.rego")
	head["requests/payments/ledger-db.yaml"] = &fstest.MapFile{Data: []byte(`apiVersion: dip/v1
kind: PostgresDatabase
metadata:
  name: ledger-db
  team: payments
spec:
  environments: [staging]
  size: small
`)}
	run := check(t, head, base, "2026-11-22")
	pol := run.Report.Get(checks.Policy)
	if pol.Conclusion != checks.Failure {
		t.Fatalf("deleting a policy in the change weakened its own check: %s", pol.Title)
	}
	var files []string
	for _, a := range pol.Annotations {
		files = append(files, a.File)
	}
	if strings.Join(files, ",") != "requests/payments/ledger-db.yaml" {
		t.Errorf("findings on %v, want only the changed request (orders-db is in staging too but unchanged)", files)
	}
	if run.Impact == nil || len(run.Impact.NewlyPassing) == 0 {
		t.Fatalf("no policy impact report for a change to policies/: %+v", run.Impact)
	}
	if !strings.Contains(pol.Summary, "Policy impact") || !strings.Contains(pol.Summary, "requests/payments/orders-db.yaml") {
		t.Errorf("summary lacks the impact on orders-db:\n%s", pol.Summary)
	}
}

func TestScopeIncludesDependents(t *testing.T) {
	base := templateFS(t)
	head := clone(base)
	edit(t, head, "requests/payments/order-events.yaml", "visibilityTimeoutSeconds: 60", "visibilityTimeoutSeconds: 90")
	run := check(t, head, base, "2026-11-22")
	if run.Scope == nil {
		t.Fatal("no scope for a one-request change")
	}
	for _, f := range []string{"requests/payments/order-events.yaml", "requests/payments/orders-api.yaml"} {
		if !run.Scope.Has(f) {
			t.Errorf("%s is not judged", f)
		}
	}
	if run.Scope.Has("requests/catalog/catalog-api.yaml") {
		t.Error("an unrelated request is judged")
	}
	for _, f := range run.Diff.Changed {
		if f.Source != "requests/payments/order-events.yaml" {
			t.Errorf("unexpected rendered change %s", f.Path)
		}
	}
	if len(run.Diff.Changed) == 0 || len(run.Diff.Added)+len(run.Diff.Removed) != 0 {
		t.Errorf("render diff = %+v", run.Diff)
	}
}

func TestRemovedRequestRemovesFiles(t *testing.T) {
	base := templateFS(t)
	head := clone(base)
	delete(head, "requests/catalog/reindex.yaml")
	run := check(t, head, base, "2026-11-22")
	if len(run.Diff.Removed) == 0 {
		t.Fatal("no removed files for a removed request")
	}
	for _, f := range run.Diff.Removed {
		if f.Source != "requests/catalog/reindex.yaml" {
			t.Errorf("unexpected removal %s", f.Path)
		}
	}
}

func TestExceptions(t *testing.T) {
	head := templateFS(t)
	edit(t, head, "requests/payments/orders-db.yaml", "  team: payments\n", `  team: payments
  exceptions:
    - policy: terraform.enforce_encryption
      reason: migrating to a KMS key, ticket SEC-12
      expires: 2026-12-31
`)
	edit(t, head, "requests/payments/orders-db.yaml", "  backupRetentionDays: 7\n", "  backupRetentionDays: 7\n  encrypted: false\n")
	run := check(t, head, nil, "2026-11-22")
	if c := run.Report.Get(checks.Policy).Conclusion; c != checks.Success {
		t.Errorf("exception in force: dip/policy = %s, want success", c)
	}
	if len(run.Verdict.Exceptions) != 1 || run.Verdict.Exceptions[0].Suppressed != 2 {
		t.Errorf("exceptions = %+v, want one suppressing both environments", run.Verdict.Exceptions)
	}
	if !strings.Contains(run.Report.Get(checks.Policy).Summary, "SEC-12") {
		t.Error("the summary does not list the exception")
	}

	expired := check(t, head, nil, "2027-01-01")
	a := findAnnotation(&expired.Report, checks.Policy, "policy.exception")
	if a == nil || !strings.Contains(a.Message, "expired on 2026-12-31") || a.Line != 9 {
		t.Errorf("expired exception: %+v", a)
	}
	if findAnnotation(&expired.Report, checks.Policy, "terraform.enforce_encryption") == nil {
		t.Error("an expired exception still suppresses")
	}

	// Ten days before the expiry: a warning on the exception's line, and
	// the check still passes; none with the warning turned off.
	soon := check(t, head, nil, "2026-12-21")
	a = findAnnotation(&soon.Report, checks.Policy, "policy.exception")
	if a == nil || a.Level != checks.LevelWarning || a.Line != 9 || !strings.Contains(a.Message, "expires in 10 days (2026-12-31)") {
		t.Errorf("exception expiring soon: %+v", a)
	}
	if c := soon.Report.Get(checks.Policy).Conclusion; c != checks.Success {
		t.Errorf("exception expiring soon: dip/policy = %s, want success", c)
	}
	off, err := pipeline.Check(context.Background(), pipeline.CheckOptions{
		Head: head, Bundle: os.DirFS("testdata/bundle"), Today: "2026-12-21", ExpiringWithin: -1, PolicyTimeout: 20 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if a := findAnnotation(&off.Report, checks.Policy, "policy.exception"); a != nil {
		t.Errorf("warning with ExpiringWithin < 0: %+v", a)
	}

	unknown := clone(head)
	edit(t, unknown, "requests/payments/orders-db.yaml", "policy: terraform.enforce_encryption", "policy: terraform.enforce_encrytion")
	run = check(t, unknown, nil, "2026-11-22")
	if a := findAnnotation(&run.Report, checks.Policy, "policy.exception"); a == nil || !strings.Contains(a.Message, "no policy has") {
		t.Errorf("exception naming no policy: %+v", a)
	}
}

func TestBrokenPlatformPolicyFailsOnlyThePolicyCheck(t *testing.T) {
	head := templateFS(t)
	head["policies/broken.rego"] = &fstest.MapFile{Data: []byte("package broken\n\ndeny contains msg if {\n  msg := \n}\n")}
	run := check(t, head, nil, "2026-11-22")
	pol := run.Report.Get(checks.Policy)
	if pol.Conclusion != checks.Failure || !strings.Contains(pol.Summary, "policies/broken.rego:5") {
		t.Errorf("broken policy: %s\n%s", pol.Conclusion, pol.Summary)
	}
	if c := run.Report.Get(checks.Validate).Conclusion; c != checks.Success {
		t.Errorf("dip/validate = %s; a broken policy must not hide the other checks", c)
	}
	if c := run.Report.Get(checks.Render).Conclusion; c != checks.Success {
		t.Errorf("dip/render = %s", c)
	}
}

func TestRunawayPolicyIsNeutralAndBounded(t *testing.T) {
	head := templateFS(t)
	head["policies/slow.rego"] = &fstest.MapFile{Data: []byte(`package slow

deny contains msg if {
	n := count([x | some x in numbers.range(1, 1000000000); x % 7 == 0])
	msg := sprintf("%d", [n])
}
`)}
	start := time.Now()
	run, err := pipeline.Check(context.Background(), pipeline.CheckOptions{
		Head: head, Bundle: os.DirFS("testdata/bundle"), Today: "2026-11-22", PolicyTimeout: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("check took %v with a 500ms policy timeout", d)
	}
	pol := run.Report.Get(checks.Policy)
	if pol.Conclusion != checks.Neutral || !strings.Contains(pol.Summary, "did not finish within") {
		t.Errorf("runaway policy: %s %s\n%s", pol.Conclusion, pol.Title, pol.Summary)
	}
}

func TestInvalidRequestIsReportedAndOthersStillJudged(t *testing.T) {
	head := templateFS(t)
	edit(t, head, "requests/catalog/product-images.yaml", "versioning: true", "versioning: maybe")
	edit(t, head, "requests/payments/orders-api.yaml", "  public: true\n", "  public: true\n  tls: false\n")
	run := check(t, head, nil, "2026-11-22")
	if c := run.Report.Get(checks.Validate).Conclusion; c != checks.Failure {
		t.Errorf("dip/validate = %s", c)
	}
	a := findAnnotation(&run.Report, checks.Policy, "requests.public_tls")
	if a == nil || a.File != "requests/payments/orders-api.yaml" || a.Line != 28 {
		t.Errorf("TLS finding = %+v, want orders-api.yaml:28", a)
	}
}

// A request can pass validation and still be impossible to render, here a
// database whose cloud identifier would start with a digit. dip/render
// fails on it, and the other checks still report.
func TestValidRequestThatCannotRender(t *testing.T) {
	head := templateFS(t)
	head["teams/9ops.yaml"] = &fstest.MapFile{Data: []byte("apiVersion: dip/v1\nkind: Team\nmetadata:\n  name: 9ops\nspec:\n  owners: [\"@acme/ops\"]\n  costCenter: cc-9\n")}
	head["requests/9ops/metrics-db.yaml"] = &fstest.MapFile{Data: []byte("apiVersion: dip/v1\nkind: PostgresDatabase\nmetadata:\n  name: metrics-db\n  team: 9ops\nspec:\n  environments: [staging]\n  size: small\n")}
	run := check(t, head, nil, "2026-11-22")
	if c := run.Report.Get(checks.Validate).Conclusion; c != checks.Success {
		t.Fatalf("dip/validate = %s: %+v", c, run.Report.Get(checks.Validate).Annotations)
	}
	r := run.Report.Get(checks.Render)
	a := findAnnotation(&run.Report, checks.Render, "render")
	if r.Conclusion != checks.Failure || a == nil || a.File != "requests/9ops/metrics-db.yaml" {
		t.Fatalf("dip/render = %s %+v", r.Conclusion, r.Annotations)
	}
	if c := run.Report.Get(checks.Policy).Conclusion; c != checks.Success {
		t.Errorf("dip/policy = %s; the other requests are still judged", c)
	}
}
