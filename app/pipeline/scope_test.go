package pipeline_test

import (
	"crypto/sha256"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/dipdev/dip/app/pipeline"
)

// outcomes is what a repo reports and renders for each request file: its
// problems, and its rendered files with a hash of their bytes.
func outcomes(t *testing.T, m fstest.MapFS) map[string]string {
	t.Helper()
	b, err := pipeline.Render(m)
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string][]string{}
	for _, d := range b.Diagnostics {
		lines[d.File] = append(lines[d.File], d.Rule+" "+d.Error())
	}
	for _, f := range b.Files {
		lines[f.Source] = append(lines[f.Source], fmt.Sprintf("%s %x", f.Path, sha256.Sum256(f.Data)))
	}
	out := map[string]string{}
	for file, l := range lines {
		slices.Sort(l)
		out[file] = strings.Join(l, "\n")
	}
	return out
}

// perturbation is a request file changed in one place.
type perturbation struct {
	name string
	file string
	// data is the new file, nil when it is removed.
	data []byte
}

// perturbations changes every value of a request once: a string gets a
// suffix (a new name, team, namespace, size, …), a number one more, a
// boolean flipped, a list its last item dropped (fewer environments, uses,
// …); and the file is removed.
func perturbations(t *testing.T, file string, data []byte) []perturbation {
	t.Helper()
	out := []perturbation{{name: file + " removed", file: file}}
	for k := 0; ; k++ {
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		what, ok := mutate(&doc, k)
		if !ok {
			return out
		}
		b, err := yaml.Marshal(&doc)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, perturbation{name: file + " " + what, file: file, data: b})
	}
}

// mutate changes the k-th value below metadata and spec of doc, in a
// fixed order, and says what it did; false when there are fewer.
func mutate(doc *yaml.Node, k int) (string, bool) {
	n := 0
	var what string
	var walk func(node *yaml.Node, at string) bool
	walk = func(node *yaml.Node, at string) bool {
		switch node.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(node.Content); i += 2 {
				key := node.Content[i].Value
				if at == "" && key != "metadata" && key != "spec" {
					continue
				}
				if walk(node.Content[i+1], strings.TrimPrefix(at+"."+key, ".")) {
					return true
				}
			}
		case yaml.SequenceNode:
			if len(node.Content) > 0 {
				if n == k {
					node.Content = node.Content[:len(node.Content)-1]
					what = at + " without its last item"
					return true
				}
				n++
			}
			for i, c := range node.Content {
				if walk(c, at+"["+strconv.Itoa(i)+"]") {
					return true
				}
			}
		case yaml.ScalarNode:
			if n != k {
				n++
				return false
			}
			switch node.Tag {
			case "!!bool":
				node.Value = strconv.FormatBool(node.Value != "true")
			case "!!int":
				v, _ := strconv.Atoi(node.Value)
				node.Value = strconv.Itoa(v + 1)
			default:
				node.Value += "x"
			}
			what = at + " = " + node.Value
			return true
		}
		return false
	}
	return what, walk(doc.Content[0], "")
}

// TestScopeCoversEveryChangedOutcome changes every value of a request of
// each kind and of every team, one at a time, renders the whole repo before and after, and
// requires each request file whose problems or rendered files changed to
// be in the scope of the change, on the full path and on the path of
// facts alike. It holds the scope to what the renderers and validation
// actually read of other requests: a renderer that starts reading a field
// of another kind of request fails it.
func TestScopeCoversEveryChangedOutcome(t *testing.T) {
	t.Parallel()
	base := generatedFS(t, 40)
	// A namespace in one environment only, which services may land in.
	edit(t, base, "requests/team-002/team-002.yaml", "environments: [staging, production]", "environments: [staging]")
	want := outcomes(t, base)
	facts := pipeline.NewFactIndex()
	var files []string
	for p := range base {
		if strings.HasPrefix(p, "requests/") && path.Ext(p) == ".yaml" {
			files = append(files, p)
		}
	}
	slices.Sort(files)
	// One request of each kind is changed (every request is rendered).
	kinds := map[string]bool{}
	var changed []string
	for _, file := range files {
		var top struct{ Kind string }
		if err := yaml.Unmarshal(base[file].Data, &top); err != nil {
			t.Fatal(err)
		}
		if !kinds[top.Kind] {
			kinds[top.Kind] = true
			changed = append(changed, file)
		}
	}
	if len(kinds) < 10 {
		t.Fatalf("the repo has %d kinds of request, want every kind", len(kinds))
	}
	// And every team.
	for p := range base {
		if strings.HasPrefix(p, "teams/") {
			changed = append(changed, p)
		}
	}
	checked, dependents := 0, 0
	for _, file := range changed {
		for _, p := range perturbations(t, file, base[file].Data) {
			head := clone(base)
			if p.data == nil {
				delete(head, p.file)
			} else {
				head[p.file] = &fstest.MapFile{Data: p.data, Mode: 0o644}
			}
			full, err := pipeline.ScopeOf(pipeline.CheckOptions{Head: head, Base: base})
			if err != nil {
				t.Fatal(err)
			}
			got := outcomes(t, head)
			for _, f := range files {
				if got[f] == want[f] {
					continue
				}
				if f != p.file {
					dependents++
				}
				if !full.Has(f) && !slices.Contains(full.Removed, f) {
					t.Errorf("%s: the outcome of %s changed, and it is not in scope:\n-%s\n+%s", p.name, f, want[f], got[f])
				}
			}
			partial, err := pipeline.ScopeOf(pipeline.CheckOptions{Head: head, Base: base, Facts: facts,
				HeadBlobs: blobsOf(head), BaseBlobs: blobsOf(base)})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(full, partial); diff != "" {
				t.Errorf("%s: scope differs (-full +facts):\n%s", p.name, diff)
			}
			checked++
		}
	}
	// The test is only as good as its changes: many must reach other
	// requests.
	if checked < 80 || dependents < 30 {
		t.Errorf("%d changes, %d outcomes of other requests changed: too few to tell", checked, dependents)
	}
	t.Logf("%d changes, %d outcomes of other requests changed", checked, dependents)
}
