package policy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dipdev/dip/checks/policy"
)

// conftestBinary finds the conftest CLI. CI installs it (see .ci/run);
// elsewhere the comparison is skipped when it is missing.
func conftestBinary(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("conftest")
	if err != nil {
		if home, herr := os.UserHomeDir(); herr == nil {
			if _, serr := os.Stat(filepath.Join(home, "go", "bin", "conftest")); serr == nil {
				return filepath.Join(home, "go", "bin", "conftest")
			}
		}
		if os.Getenv("CI") != "" {
			t.Fatal("conftest is not installed; .ci/run installs it with go install")
		}
		t.Skip("conftest is not installed; go install github.com/open-policy-agent/conftest@v0.71.1")
	}
	return p
}

// outcome is what conftest reports for one file and namespace, in a form
// both sides can give.
type outcome struct {
	Failures, Warnings, Exceptions []string
}

type fileOutcome struct {
	Successes  int
	Namespaces map[string]outcome
}

func TestSameFindingsAsConftest(t *testing.T) {
	bin := conftestBinary(t)
	const dir = "testdata/conformance"
	inputs, err := filepath.Glob(filepath.Join(dir, "inputs", "*"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	rel := make([]string, len(inputs))
	for i, in := range inputs {
		rel[i], _ = filepath.Rel(dir, in)
	}

	args := append([]string{"test", "--all-namespaces", "--no-color", "-o", "json", "-p", "policy", "-d", "data"}, rel...)
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("conftest: %v", err)
	}
	var results []struct {
		Filename   string
		Namespace  string
		Successes  int
		Failures   []conftestResult
		Warnings   []conftestResult
		Exceptions []conftestResult
	}
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("conftest output: %v\n%s", err, out)
	}
	want := map[string]*fileOutcome{}
	for _, r := range results {
		f := want[r.Filename]
		if f == nil {
			f = &fileOutcome{Namespaces: map[string]outcome{}}
			want[r.Filename] = f
		}
		f.Successes += r.Successes
		o := outcome{Failures: messages(r.Failures), Warnings: messages(r.Warnings), Exceptions: messages(r.Exceptions)}
		if len(o.Failures)+len(o.Warnings)+len(o.Exceptions) > 0 {
			f.Namespaces[r.Namespace] = o
		}
	}

	fsys := os.DirFS(dir)
	modules, _, err := policy.LoadFS(fsys, "policy")
	if err != nil {
		t.Fatal(err)
	}
	_, data, err := policy.LoadFS(fsys, "data")
	if err != nil {
		t.Fatal(err)
	}
	engine, err := policy.Compile(modules, data)
	if err != nil {
		t.Fatal(err)
	}
	var ins []policy.Input
	for _, p := range rel {
		raw, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		v, err := policy.ParseFile(p, raw)
		if err != nil {
			t.Fatal(err)
		}
		ins = append(ins, policy.Input{Path: p, Value: v})
	}
	res, err := engine.Eval(context.Background(), ins)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*fileOutcome{}
	for i, p := range rel {
		got[p] = &fileOutcome{Successes: res.Successes[i], Namespaces: map[string]outcome{}}
	}
	for _, f := range res.Findings {
		file := got[rel[f.Input]]
		o := file.Namespaces[f.Rule.Namespace]
		msg := f.Message
		if f.Location != nil {
			msg += fmt.Sprintf(" @%s:%s", f.Location.File, f.Location.Line)
		}
		switch {
		case f.Excepted:
			o.Exceptions = append(o.Exceptions, msg)
		case f.Rule.Failure:
			o.Failures = append(o.Failures, msg)
		default:
			o.Warnings = append(o.Warnings, msg)
		}
		file.Namespaces[f.Rule.Namespace] = o
	}
	for _, f := range got {
		for ns, o := range f.Namespaces {
			sort.Strings(o.Failures)
			sort.Strings(o.Warnings)
			sort.Strings(o.Exceptions)
			f.Namespaces[ns] = o
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dip and conftest disagree (-conftest +dip):\n%s", diff)
	}
	// The fixtures must exercise every kind of result, or the comparison
	// proves little.
	var kinds []string
	for _, f := range want {
		for _, o := range f.Namespaces {
			if len(o.Failures) > 0 {
				kinds = append(kinds, "failure")
			}
			if len(o.Warnings) > 0 {
				kinds = append(kinds, "warning")
			}
			if len(o.Exceptions) > 0 {
				kinds = append(kinds, "exception")
			}
		}
	}
	for _, k := range []string{"failure", "warning", "exception"} {
		if !slices.Contains(kinds, k) {
			t.Errorf("the fixtures produce no %s", k)
		}
	}
}

type conftestResult struct {
	Msg string `json:"msg"`
	Loc *struct {
		File string      `json:"file"`
		Line json.Number `json:"line"`
	} `json:"loc"`
}

func messages(rs []conftestResult) []string {
	var out []string
	for _, r := range rs {
		m := r.Msg
		if r.Loc != nil {
			m += fmt.Sprintf(" @%s:%s", r.Loc.File, r.Loc.Line)
		}
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}
