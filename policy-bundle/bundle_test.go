package policybundle_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"
	"go.yaml.in/yaml/v3"

	"github.com/dipdev/dip/checks/policy"
	policybundle "github.com/dipdev/dip/policy-bundle"
)

func modules(t *testing.T) map[string]*ast.Module {
	t.Helper()
	mods := map[string]*ast.Module{}
	err := fs.WalkDir(policybundle.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") {
			return err
		}
		src, err := fs.ReadFile(policybundle.FS, p)
		if err != nil {
			return err
		}
		m, err := ast.ParseModuleWithOpts(p, string(src), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
		if err != nil {
			return err
		}
		mods[p] = m
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return mods
}

// TestRegoUnitTests runs every test_ rule of the bundle, as `opa test` does.
func TestRegoUnitTests(t *testing.T) {
	ch, err := tester.NewRunner().SetDefaultRegoVersion(ast.RegoV1).EnableTracing(false).Run(context.Background(), modules(t))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for r := range ch {
		n++
		switch {
		case r.Error != nil:
			t.Errorf("%s.%s (%s): error: %v", r.Package, r.Name, r.Location, r.Error)
		case r.Fail:
			t.Errorf("%s.%s (%s): failed", r.Package, r.Name, r.Location)
		case r.Skip:
			t.Errorf("%s.%s (%s): skipped", r.Package, r.Name, r.Location)
		}
	}
	if n < 40 {
		t.Errorf("ran %d Rego tests; every rule should have a passing and a failing case", n)
	}
	t.Logf("%d Rego tests", n)
}

// TestEveryRuleHasAnOwnedID checks the METADATA contract: each rule set
// has a custom.id of its own, listed in metadata/policy-owners.yaml.
func TestEveryRuleHasAnOwnedID(t *testing.T) {
	var mods []policy.Module
	err := fs.WalkDir(policybundle.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") || strings.HasSuffix(p, "_test.rego") {
			return err
		}
		src, err := fs.ReadFile(policybundle.FS, p)
		mods = append(mods, policy.Module{Path: p, Source: src})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	engine, err := policy.Compile(mods, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := fs.ReadFile(policybundle.FS, "metadata/policy-owners.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var owners struct {
		Owners map[string]string `yaml:"owners"`
	}
	if err := yaml.Unmarshal(raw, &owners); err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, r := range engine.Rules() {
		where := r.File + " " + r.Name
		if !r.Declared {
			t.Errorf("%s has no METADATA custom.id", where)
			continue
		}
		if prev, dup := seen[r.ID]; dup {
			t.Errorf("%s and %s share the id %s", prev, where, r.ID)
		}
		seen[r.ID] = where
		if owners.Owners[r.ID] == "" {
			t.Errorf("%s (%s) has no owner in policy-owners.yaml", r.ID, where)
		}
		if r.Title == "" {
			t.Errorf("%s (%s) has no title", r.ID, where)
		}
	}
	for id := range owners.Owners {
		if seen[id] == "" {
			t.Errorf("policy-owners.yaml names %s, which no rule has", id)
		}
	}
	if len(seen) < 15 {
		t.Errorf("only %d rules", len(seen))
	}
}
