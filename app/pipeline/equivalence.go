package pipeline

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/dipdev/dip/internal/linediff"
	"github.com/dipdev/dip/internal/parallel"
	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers"
	"github.com/dipdev/dip/renderers/inputs"
)

// compare judges, before and after the migration, the rendering of every
// migrated request and every request that uses one, and records for each
// migrated file whether its rendering and theirs stayed byte for byte the
// same. A request whose renders inputs.Comparison proves the same is not
// rendered after the migration, and often not before either (see
// inputs.Comparison for why that is sound); any other is rendered on both
// sides and the files compared. With renderAll set, every request is.
func (m *migrator) compare() {
	if len(m.migrated) == 0 {
		return
	}
	byRef := map[Ref]string{} // a migrated request's file by kind and name
	for file, res := range m.migrated {
		byRef[identity(res.Doc)] = file
	}
	// users holds, for each migrated file, the files of the requests
	// that use it.
	users := map[string][]string{}
	render := map[string]bool{}
	docs := map[string]*platform.Document{}
	for _, d := range m.src.Requests {
		docs[d.File] = d
		if _, ok := m.migrated[d.File]; ok {
			render[d.File] = true
		}
		for _, u := range uses(d) {
			if file, ok := byRef[u]; ok && !slices.Contains(users[file], d.File) {
				users[file] = append(users[file], d.File)
				render[d.File] = true
			}
		}
	}
	files := make([]string, 0, len(render))
	for f := range render {
		files = append(files, f)
	}
	slices.Sort(files)
	diffs := make([]string, len(files))
	beforeReqs, afterReqs := requestsByFile(m.before), requestsByFile(m.after)
	var proof *inputs.Comparison
	if !m.renderAll {
		proof = inputs.NewComparison(m.before, m.after)
	}
	parallel.For(len(files), func(i int) {
		before, after := beforeReqs[files[i]], afterReqs[files[i]]
		if proof != nil && proof.Same(before, after) {
			return
		}
		diffs[i] = renderedDiff(m.before, before, m.after, after)
	})
	diffOf := map[string]string{}
	for i, f := range files {
		diffOf[f] = diffs[i]
	}
	for file, res := range m.migrated {
		var parts []string
		for _, f := range append([]string{file}, users[file]...) {
			if diffOf[f] != "" {
				parts = append(parts, diffOf[f])
			}
		}
		before := docs[file]
		version, kind, team := header(before)
		m.mig.Files = append(m.mig.Files, MigratedFile{
			Path: file, Team: team, Kind: kind, Name: identity(before).Name,
			From: version, To: res.To, Codemods: res.Applied,
			Before: before.Data, After: res.Doc.Data,
			Equivalent: len(parts) == 0, RenderDiff: strings.Join(parts, ""),
		})
	}
}

func requestsByFile(repo *platform.Repo) map[string]*platform.Request {
	out := make(map[string]*platform.Request, len(repo.Requests))
	for _, r := range repo.Requests {
		out[r.File] = r
	}
	return out
}

// renderedDiff renders a request in the repo before and in the repo after
// and returns the unified diff of the files that differ, or "" when every
// file is the same. A request missing on one side, or that cannot be
// rendered on one, differs.
func renderedDiff(beforeRepo *platform.Repo, before *platform.Request, afterRepo *platform.Repo, after *platform.Request) string {
	a, aErr := renderSide(beforeRepo, before)
	b, bErr := renderSide(afterRepo, after)
	var out strings.Builder
	if aErr != bErr {
		fmt.Fprintf(&out, "# rendering before: %s\n# rendering after: %s\n", orOK(aErr), orOK(bErr))
	}
	paths := make([]string, 0, len(a)+len(b))
	for p := range a {
		paths = append(paths, p)
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	for _, p := range paths {
		x, inA := a[p]
		y, inB := b[p]
		if inA && inB && bytes.Equal(x, y) {
			continue
		}
		from, to := "a/"+p, "b/"+p
		if !inA {
			from = "/dev/null"
		}
		if !inB {
			to = "/dev/null"
		}
		out.WriteString(linediff.Unified(from, to, x, y))
	}
	return out.String()
}

// renderSide renders req in repo, as files by path; the error is a
// description, "" when it rendered.
func renderSide(repo *platform.Repo, req *platform.Request) (map[string][]byte, string) {
	if req == nil {
		return nil, "the request is not in the repo"
	}
	files, err := renderers.Request(repo, req)
	if err != nil {
		return nil, err.Error()
	}
	out := make(map[string][]byte, len(files))
	for _, f := range files {
		out[f.Path] = f.Data
	}
	return out, ""
}

func orOK(err string) string {
	if err == "" {
		return "rendered"
	}
	return err
}
