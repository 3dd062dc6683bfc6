package policybundle_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/dipdev/dip/checks/policy"
	policybundle "github.com/dipdev/dip/policy-bundle"
)

// policyDirs are the directories of the bundle that hold Rego.
var policyDirs = []string{"terraform", "kubernetes", "requests"}

// regoFiles returns the sources of the bundle's .rego files by path.
func regoFiles(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]string{}
	for _, dir := range policyDirs {
		err := fs.WalkDir(policybundle.FS, dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || path.Ext(p) != ".rego" {
				return err
			}
			src, err := fs.ReadFile(policybundle.FS, p)
			files[p] = string(src)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(files) == 0 {
		t.Fatal("the bundle holds no .rego files")
	}
	return files
}

func isTest(p string) bool { return strings.HasSuffix(p, "_test.rego") }

// parse parses the bundle's modules as dip and conftest do: Rego v1, with
// METADATA annotations.
func parse(t *testing.T, withTests bool) map[string]*ast.Module {
	t.Helper()
	mods := map[string]*ast.Module{}
	for p, src := range regoFiles(t) {
		if isTest(p) && !withTests {
			continue
		}
		m, err := ast.ParseModuleWithOpts(p, src, ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
		if err != nil {
			t.Fatal(err)
		}
		mods[p] = m
	}
	return mods
}

// TestRegoUnitTests runs every test_ rule of the bundle, as `opa test` and
// `conftest verify` do.
func TestRegoUnitTests(t *testing.T) {
	ch, err := tester.NewRunner().
		SetDefaultRegoVersion(ast.RegoV1).
		RaiseBuiltinErrors(true).
		Run(context.Background(), parse(t, true))
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
	if n == 0 {
		t.Fatal("ran no Rego tests")
	}
	t.Logf("%d Rego tests passed", n)
}

// TestEveryPolicyHasTests checks that each policy file has its _test.rego
// beside it, and that the tests name every rule of the policy.
func TestEveryPolicyHasTests(t *testing.T) {
	files := regoFiles(t)
	for p, m := range parse(t, false) {
		if path.Base(p) == "lib.rego" {
			continue
		}
		testFile := strings.TrimSuffix(p, ".rego") + "_test.rego"
		tests, ok := files[testFile]
		if !ok {
			t.Errorf("%s has no %s", p, testFile)
			continue
		}
		pkg := m.Package.Path[len(m.Package.Path)-1].Value.(ast.String)
		for _, name := range judgingRules(m) {
			if !strings.Contains(tests, string(pkg)+"."+name) {
				t.Errorf("%s does not test %s.%s", testFile, pkg, name)
			}
		}
	}
}

// TestFixturesAreParsedFiles checks that the inputs the Rego tests build
// on are what conftest's parsers make of real files: each fixture
// data.<dir>.fixtures.<name> equals testdata/<dir>/<name>.tf or .yaml
// parsed as `conftest test` parses it.
func TestFixturesAreParsedFiles(t *testing.T) {
	compiler := ast.NewCompiler()
	compiler.Compile(parse(t, true))
	if compiler.Failed() {
		t.Fatal(compiler.Errors)
	}
	n := 0
	for _, dir := range policyDirs {
		entries, err := os.ReadDir(path.Join("testdata", dir))
		if err != nil {
			t.Fatal(err)
		}
		rs, err := rego.New(rego.Query("data."+dir+".fixtures"), rego.Compiler(compiler)).Eval(context.Background())
		if err != nil || len(rs) != 1 {
			t.Fatalf("data.%s.fixtures: %v %v", dir, rs, err)
		}
		fixtures := normalize(t, rs[0].Expressions[0].Value).(map[string]any)
		for _, e := range entries {
			file := path.Join("testdata", dir, e.Name())
			name := strings.TrimSuffix(e.Name(), path.Ext(e.Name()))
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := policy.ParseFile(file, src)
			if err != nil {
				t.Fatal(err)
			}
			fixture, ok := fixtures[name]
			if !ok {
				t.Errorf("%s has no fixture data.%s.fixtures.%s", file, dir, name)
				continue
			}
			if diff := cmp.Diff(normalize(t, parsed), fixture); diff != "" {
				t.Errorf("data.%s.fixtures.%s is not %s as conftest parses it (-parsed +fixture):\n%s", dir, name, file, diff)
			}
			n++
		}
		if len(entries) != len(fixtures) {
			t.Errorf("data.%s.fixtures has %d fixtures, testdata/%s %d files", dir, len(fixtures), dir, len(entries))
		}
	}
	if n == 0 {
		t.Error("compared no fixtures")
	}
}

// normalize gives numbers one type, through JSON.
func normalize(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
