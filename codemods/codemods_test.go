package codemods_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/dipdev/dip/codemods"
	"github.com/dipdev/dip/platform"
)

// Every deprecated blueprint version has a built-in codemod, named as its
// deprecation warning names it, and every built-in codemod moves a
// deprecated version to its successor.
func TestDefaultCoversDeprecations(t *testing.T) {
	reg := codemods.Default()
	for _, k := range platform.Kinds() {
		d, ok := k.Deprecation()
		if !ok {
			continue
		}
		c := reg.Lookup(d.Codemod)
		if c == nil || c.Kind != k.Name || c.From != k.APIVersion || c.To != d.Successor {
			t.Errorf("%s %s is deprecated for %s, but no codemod %s migrates it (%+v)", k.Name, k.APIVersion, d.Successor, d.Codemod, c)
		}
	}
	for _, c := range reg.Codemods() {
		k, ok := platform.LookupKind(c.From, c.Kind)
		d, deprecated := k.Deprecation()
		if !ok || !deprecated || d.Codemod != c.Name {
			t.Errorf("codemod %s migrates %s %s, which is not a deprecated version it is named for", c.Name, c.Kind, c.From)
		}
		if _, ok := platform.LookupKind(c.To, c.Kind); !ok {
			t.Errorf("codemod %s migrates to %s %s, which does not exist", c.Name, c.Kind, c.To)
		}
		if c.Summary == "" {
			t.Errorf("codemod %s has no summary", c.Name)
		}
	}
}

func TestNewRegistryRejects(t *testing.T) {
	spec := func(*codemods.Mapping) error { return nil }
	ok := &codemods.Codemod{Name: "queue-v1-to-v2", Kind: "Queue", From: "dip/v1", To: "dip/v2", Spec: spec}
	if _, err := codemods.NewRegistry(ok); err != nil {
		t.Fatal(err)
	}
	for name, cs := range map[string][]*codemods.Codemod{
		"misnamed": {{Name: "queue-upgrade", Kind: "Queue", From: "dip/v1", To: "dip/v2", Spec: spec}},
		"no spec":  {{Name: "queue-v1-to-v2", Kind: "Queue", From: "dip/v1", To: "dip/v2"}},
		"twice":    {ok, {Name: "queue-v1-to-v3", Kind: "Queue", From: "dip/v1", To: "dip/v3", Spec: spec}},
	} {
		if _, err := codemods.NewRegistry(cs...); err == nil {
			t.Errorf("%s: registry accepted", name)
		}
	}
}

func TestPendingChains(t *testing.T) {
	spec := func(*codemods.Mapping) error { return nil }
	reg, err := codemods.NewRegistry(
		&codemods.Codemod{Name: "queue-v2-to-v3", Kind: "Queue", From: "dip/v2", To: "dip/v3", Spec: spec},
		&codemods.Codemod{Name: "queue-v1-to-v2", Kind: "Queue", From: "dip/v1", To: "dip/v2", Spec: spec},
	)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range reg.Pending("dip/v1", "Queue") {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, []string{"queue-v1-to-v2", "queue-v2-to-v3"}) {
		t.Errorf("pending %v", names)
	}
	if p := reg.Pending("dip/v3", "Queue"); len(p) != 0 {
		t.Errorf("pending at the newest version: %v", p)
	}
	if p := reg.Pending("dip/v1", "Bucket"); len(p) != 0 {
		t.Errorf("pending for another kind: %v", p)
	}
}

// A codemod given a request of another kind or version refuses it.
func TestApplyChecksTheRequest(t *testing.T) {
	doc, err := platform.ParseYAML("requests/a/b.yaml", []byte("apiVersion: dip/v2\nkind: Service\nmetadata: {name: b, team: a}\nspec: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = codemods.Default().Lookup("service-v1-to-v2").Apply(doc)
	var d platform.Diagnostic
	if !errors.As(err, &d) || !strings.Contains(d.Message, "not Service dip/v1") || d.Line != 1 {
		t.Errorf("got %v", err)
	}
}

// Nothing in the file but what the codemod changes may differ, and a
// request that is not a mapping, or whose spec or overrides are not, is
// refused at its line.
func TestUnusualShapes(t *testing.T) {
	head := "apiVersion: dip/v1\nkind: Service\nmetadata: {name: b, team: a}\n"
	for _, tc := range []struct{ name, body, want string }{
		{"spec a list", "spec: [1, 2]\n", "4:1"},
		{"overrides a list", "spec:\n  overrides: [staging]\n", "5:3"},
		{"override a list", "spec:\n  overrides:\n    staging: [1]\n", "6:5"},
		{"an anchor elsewhere", "spec:\n  namespace: &v payments\n", ""},
		{"port with a tagged key", "spec:\n  !!str port: 80\n", "5:3"},
		{"port a list", "spec:\n  port: [80]\n", "5:3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := codemods.Default().MigrateFile("requests/a/b.yaml", []byte(head+tc.body))
			if tc.want == "" {
				if err != nil || !res.Changed() {
					t.Fatalf("not migrated: %v", err)
				}
				return
			}
			var d platform.Diagnostic
			if !errors.As(err, &d) {
				t.Fatalf("got %v, %v", res, err)
			}
			if got := strings.TrimPrefix(d.Pos.String(), "requests/a/b.yaml:"); got != tc.want {
				t.Errorf("diagnostic at %s, want %s: %s", got, tc.want, d.Message)
			}
		})
	}
}
