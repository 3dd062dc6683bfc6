package pipeline

import (
	"bytes"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/dipdev/dip/platform"
)

// Scope is the part of a platform repo a change touches: what a check
// with a base judges. A nil *Scope judges everything.
type Scope struct {
	// Files are the repo files in scope: changed requests, requests that
	// use a changed or removed request, and changed teams and their
	// requests.
	Files map[string]bool
	// Removed are request files present in the base and gone now.
	Removed []string
}

// withRemoved returns the scope with the removed requests added, for the
// base side of a comparison.
func (s *Scope) withRemoved() *Scope {
	if s == nil {
		return nil
	}
	out := &Scope{Files: maps.Clone(s.Files), Removed: s.Removed}
	for _, f := range s.Removed {
		out.Files[f] = true
	}
	return out
}

// addChangedProblems puts in scope every request file of head whose
// validation problems are not those it had in base: a change reaches
// requests through validation rules that compare them (a Namespace's
// environments and the requests that land in it, names and cloud names
// that must differ), and what a request is told must be judged. Files in
// neither list (not read, on the path of facts) are unchanged.
func (s *Scope) addChangedProblems(head, base *Build) {
	problems := func(b *Build) map[string][]platform.Diagnostic {
		out := map[string][]platform.Diagnostic{}
		for _, d := range b.Diagnostics {
			if isRequestFile(d.File) {
				out[d.File] = append(out[d.File], d)
			}
		}
		return out
	}
	now, before := problems(head), problems(base)
	present := map[string]bool{}
	for _, d := range head.Source.Requests {
		present[d.File] = true
	}
	for file, ds := range now {
		if !slices.Equal(ds, before[file]) {
			s.Files[file] = true
		}
	}
	for file := range before {
		if _, ok := now[file]; !ok && present[file] {
			s.Files[file] = true
		}
	}
}

// Has reports whether file is in scope.
func (s *Scope) Has(file string) bool { return s == nil || s.Files[file] }

// ChangeScope compares head with base. A changed platform.yaml puts
// everything in scope (nil).
func ChangeScope(head, base *platform.Source) *Scope {
	if base == nil || head.Platform == nil || base.Platform == nil ||
		!bytes.Equal(head.Platform.Data, base.Platform.Data) {
		return nil
	}
	s := &Scope{Files: map[string]bool{}}
	baseDocs := map[string]*platform.Document{}
	for _, d := range append(append([]*platform.Document{}, base.Teams...), base.Requests...) {
		baseDocs[d.File] = d
	}
	headFiles := map[string]bool{}
	teams := map[string]bool{}
	for _, d := range head.Teams {
		headFiles[d.File] = true
		if b := baseDocs[d.File]; b == nil || !bytes.Equal(b.Data, d.Data) {
			s.Files[d.File] = true
			teams[strings.TrimSuffix(path.Base(d.File), ".yaml")] = true
		}
	}
	for _, d := range base.Teams {
		if !headFiles[d.File] {
			teams[strings.TrimSuffix(path.Base(d.File), ".yaml")] = true
		}
	}
	touched := map[Ref]bool{}
	for _, d := range head.Requests {
		headFiles[d.File] = true
		b := baseDocs[d.File]
		if b == nil || !bytes.Equal(b.Data, d.Data) || teams[requestTeamDir(d.File)] {
			s.Files[d.File] = true
			touched[identity(d)] = true
			if b != nil {
				touched[identity(b)] = true
			}
		}
	}
	for _, d := range base.Requests {
		if !headFiles[d.File] {
			s.Removed = append(s.Removed, d.File)
			touched[identity(d)] = true
		}
	}
	// A changed file that could not be read as a request (invalid YAML, a
	// misplaced or misnamed file) is in none of the lists above: its
	// problem is in scope unless the base had the same one.
	known := map[platform.Diagnostic]bool{}
	for _, d := range base.Diagnostics {
		known[d] = true
	}
	for _, d := range head.Diagnostics {
		if isRequestFile(d.File) && !known[d] {
			s.Files[d.File] = true
		}
	}
	for _, d := range head.Requests {
		if s.Files[d.File] {
			continue
		}
		for _, u := range uses(d) {
			if touched[u] {
				s.Files[d.File] = true
				break
			}
		}
	}
	return s
}

func requestTeamDir(file string) string {
	parts := strings.Split(file, "/")
	if len(parts) == 3 {
		return parts[1]
	}
	return ""
}

func identity(d *platform.Document) Ref {
	top, _ := d.Value.(map[string]any)
	meta, _ := top["metadata"].(map[string]any)
	kind, _ := top["kind"].(string)
	name, _ := meta["name"].(string)
	return Ref{kind, name}
}

// uses returns the requests a request document refers to, in its spec and
// in every environment's overrides.
func uses(d *platform.Document) []Ref {
	var out []Ref
	for _, sp := range specs(d) {
		list, _ := sp["uses"].([]any)
		for _, u := range list {
			m, _ := u.(map[string]any)
			kind, _ := m["kind"].(string)
			name, _ := m["name"].(string)
			out = append(out, Ref{kind, name})
		}
	}
	return out
}

// specs returns a request document's spec and each environment's
// overrides, in no particular order.
func specs(d *platform.Document) []map[string]any {
	top, _ := d.Value.(map[string]any)
	spec, _ := top["spec"].(map[string]any)
	out := []map[string]any{spec}
	if over, ok := spec["overrides"].(map[string]any); ok {
		for _, o := range over {
			if m, ok := o.(map[string]any); ok {
				out = append(out, m)
			}
		}
	}
	return out
}
