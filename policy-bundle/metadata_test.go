package policybundle_test

import (
	"encoding/json"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"go.yaml.in/yaml/v3"

	"github.com/dipdev/dip/checks/policy"
	policybundle "github.com/dipdev/dip/policy-bundle"
)

var (
	// judging matches the rules conftest queries: deny, violation and
	// warn, with an optional _suffix.
	judging    = regexp.MustCompile(`^(deny|violation|warn)(_[a-zA-Z0-9]+)*$`)
	idPattern  = regexp.MustCompile(`^(terraform|kubernetes|requests)\.[a-z0-9_]+$`)
	severities = []string{"critical", "high", "medium", "low"}
)

// judgingRules returns the names of a module's deny, violation and warn
// rules.
func judgingRules(m *ast.Module) []string {
	var names []string
	for _, r := range m.Rules {
		if name := ruleName(r); judging.MatchString(name) && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names
}

func ruleName(r *ast.Rule) string {
	if len(r.Head.Reference) > 0 {
		return r.Head.Reference[0].Value.(ast.Var).String()
	}
	return r.Head.Name.String()
}

// TestRuleMetadata checks the METADATA contract: every body of every
// deny, violation or warn rule has a rule-scope METADATA block with a
// title, a custom.id of its own directory, a severity and, when it names
// one, a request field under spec. The bodies of one rule share one id,
// which no other rule uses, and policy-owners.yaml names its owner.
func TestRuleMetadata(t *testing.T) {
	mods := parse(t, false)
	compiler := ast.NewCompiler()
	compiler.Compile(mods)
	if compiler.Failed() {
		t.Fatal(compiler.Errors)
	}
	annotations := compiler.GetAnnotationSet()
	owners := readOwners(t)
	idOf := map[string]string{}   // rule (package and name) -> id
	ruleOf := map[string]string{} // id -> rule
	for p, m := range compiler.Modules {
		if isTest(p) {
			continue
		}
		dir, _, _ := strings.Cut(p, "/")
		for _, r := range m.Rules {
			name := ruleName(r)
			if !judging.MatchString(name) {
				continue
			}
			rule := m.Package.Path.String() + "." + name
			where := r.Location.String() + " " + rule
			if r.Head.RuleKind() != ast.MultiValue {
				t.Errorf("%s must be a set of messages: `%s contains msg if {...}`", where, name)
			}
			scoped := annotations.GetRuleScope(r)
			if len(scoped) != 1 {
				t.Errorf("%s has %d rule-scope METADATA blocks, want 1", where, len(scoped))
				continue
			}
			a := scoped[0]
			id, _ := a.Custom["id"].(string)
			switch {
			case !idPattern.MatchString(id):
				t.Errorf("%s: custom.id %q is not <directory>.<snake_case name>", where, id)
			case !strings.HasPrefix(id, dir+"."):
				t.Errorf("%s: custom.id %q is not under %s", where, id, dir)
			}
			if a.Title == "" || a.Description == "" {
				t.Errorf("%s: METADATA needs a title and a description", where)
			}
			if sev, _ := a.Custom["severity"].(string); !slices.Contains(severities, sev) {
				t.Errorf("%s: custom.severity %q is not one of %v", where, sev, severities)
			}
			if f, set := a.Custom["field"]; set {
				if s, _ := f.(string); !strings.HasPrefix(s, "spec.") {
					t.Errorf("%s: custom.field %v is not a request field under spec", where, f)
				}
			}
			if prev, seen := idOf[rule]; seen && prev != id {
				t.Errorf("%s: bodies of one rule have the ids %s and %s", where, prev, id)
			}
			idOf[rule] = id
			if other, taken := ruleOf[id]; taken && other != rule {
				t.Errorf("%s: id %s is taken by %s", where, id, other)
			}
			ruleOf[id] = rule
			if owners[id] == "" {
				t.Errorf("%s: id %s has no owner in metadata/policy-owners.yaml", where, id)
			}
		}
	}
	for id := range owners {
		if ruleOf[id] == "" {
			t.Errorf("metadata/policy-owners.yaml names %s, which no rule has", id)
		}
	}
	if len(ruleOf) == 0 {
		t.Fatal("the bundle has no rules")
	}
	t.Logf("%d policy ids", len(ruleOf))
}

func readOwners(t *testing.T) map[string]string {
	t.Helper()
	raw, err := fs.ReadFile(policybundle.FS, "metadata/policy-owners.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Owners map[string]string `yaml:"owners"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("metadata/policy-owners.yaml: %v", err)
	}
	for id, owner := range doc.Owners {
		if !strings.HasPrefix(owner, "@") {
			t.Errorf("metadata/policy-owners.yaml: owner %q of %s is not a @team", owner, id)
		}
	}
	return doc.Owners
}

// TestDipReadsTheMetadata compiles the bundle, without its tests, with
// dip's policy engine, and checks that the engine finds each rule's id,
// title and field the way it will when it annotates requests.
func TestDipReadsTheMetadata(t *testing.T) {
	var mods []policy.Module
	for p, src := range regoFiles(t) {
		if !isTest(p) {
			mods = append(mods, policy.Module{Path: p, Source: []byte(src)})
		}
	}
	engine, err := policy.Compile(mods, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range engine.Rules() {
		if !r.Declared || r.Title == "" {
			t.Errorf("%s %s.%s: dip finds no id or title (id %q)", r.File, r.Namespace, r.Name, r.ID)
		}
	}
}

func TestVersion(t *testing.T) {
	raw, err := fs.ReadFile(policybundle.FS, "metadata/version.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(v.Version) {
		t.Errorf("metadata/version.json: version %q is not MAJOR.MINOR.PATCH", v.Version)
	}
}
