package pipeline_test

import (
	"context"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/checks"
	policybundle "github.com/dipdev/dip/policy-bundle"
)

// The template is what platform teams copy: it must pass the default
// bundle without a single finding.
func TestTemplatePassesDefaultBundle(t *testing.T) {
	run, err := pipeline.Check(context.Background(), pipeline.CheckOptions{
		Head: templateFS(t), Bundle: policybundle.FS, Today: "2026-11-22",
	})
	if err != nil {
		t.Fatal(err)
	}
	pol := run.Report.Get(checks.Policy)
	for _, a := range pol.Annotations {
		t.Errorf("%s: %s [%s] %s", a.Pos, a.Level, a.Rule, a.Message)
	}
	if pol.Conclusion != checks.Success || run.Verdict.Rules < 15 {
		t.Errorf("dip/policy = %s with %d rules: %s", pol.Conclusion, run.Verdict.Rules, pol.Title)
	}
}

func TestDefaultBundleFindsRealProblems(t *testing.T) {
	head := templateFS(t)
	edit(t, head, "requests/payments/orders-db.yaml", "  backupRetentionDays: 7\n", "  backupRetentionDays: 7\n  encrypted: false\n")
	edit(t, head, "requests/payments/orders-db.yaml", "      backupRetentionDays: 14\n", "      backupRetentionDays: 2\n")
	edit(t, head, "requests/payments/orders-api.yaml", "image: ghcr.io/acme/orders-api:1.4.2", "image: ghcr.io/acme/orders-api:latest")
	edit(t, head, "requests/payments/orders-api.yaml", "  public: true\n", "  public: true\n  tls: false\n")
	run, err := pipeline.Check(context.Background(), pipeline.CheckOptions{Head: head, Bundle: policybundle.FS, Today: "2026-11-22"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"terraform.enforce_encryption": "requests/payments/orders-db.yaml:15",
		"terraform.backup_retention":   "requests/payments/orders-db.yaml:22",
		"kubernetes.image_tag":         "requests/payments/orders-api.yaml:11",
		"requests.public_tls":          "requests/payments/orders-api.yaml:28",
	}
	got := map[string]string{}
	for _, a := range run.Report.Get(checks.Policy).Annotations {
		got[a.Rule] = a.File + ":" + strconv.Itoa(a.Line)
	}
	for rule, at := range want {
		if got[rule] != at {
			t.Errorf("%s at %q, want %s", rule, got[rule], at)
		}
	}
}

// The template's own policies come with Rego tests, as a platform team's
// should; they run here as `opa test` would run them.
func TestTemplatePolicyTests(t *testing.T) {
	mods := map[string]*ast.Module{}
	root := os.DirFS("../../platform-repo-template")
	err := fs.WalkDir(root, "policies", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") {
			return err
		}
		src, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		mods[p], err = ast.ParseModuleWithOpts(p, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := tester.NewRunner().SetDefaultRegoVersion(ast.RegoV1).Run(context.Background(), mods)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for r := range ch {
		n++
		if !r.Pass() {
			t.Errorf("%s.%s failed: %v", r.Package, r.Name, r.Error)
		}
	}
	if n == 0 {
		t.Error("the template's policies have no tests")
	}
}
