package pipeline

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/renderers"
)

// RenderDiff is how a change alters the rendered output.
type RenderDiff struct {
	Added, Changed, Removed []FileChange
}

// FileChange is one rendered file that a change adds, alters or removes.
type FileChange struct {
	Path   string `json:"path"`
	Source string `json:"source"`
	Env    string `json:"environment"`
}

// Empty reports whether the change leaves the rendered output as it was.
func (d RenderDiff) Empty() bool { return len(d.Added)+len(d.Changed)+len(d.Removed) == 0 }

// renderDiff compares the head's rendered files with the base's, for the
// requests in scope and those the change removed. Without a base every
// rendered file is added.
func renderDiff(head, base *Build, scope *Scope) RenderDiff {
	var d RenderDiff
	before := map[string]renderers.File{}
	if base != nil {
		removed := map[string]bool{}
		if scope != nil {
			for _, f := range scope.Removed {
				removed[f] = true
			}
		}
		for _, f := range base.Files {
			if scope.Has(f.Source) || removed[f.Source] {
				before[f.Path] = f
			}
		}
	}
	seen := map[string]bool{}
	for _, f := range renderedFiles(head.Files, scope) {
		seen[f.Path] = true
		change := FileChange{Path: f.Path, Source: f.Source, Env: f.Env}
		switch old, ok := before[f.Path]; {
		case !ok:
			d.Added = append(d.Added, change)
		case !bytes.Equal(old.Data, f.Data):
			d.Changed = append(d.Changed, change)
		}
	}
	for p, f := range before {
		// A request that no longer renders (now invalid) keeps its files
		// until it is fixed; only files of valid or removed requests go.
		if !seen[p] && !headInvalid(head, f.Source) {
			d.Removed = append(d.Removed, FileChange{Path: p, Source: f.Source, Env: f.Env})
		}
	}
	slices.SortFunc(d.Removed, func(a, b FileChange) int { return strings.Compare(a.Path, b.Path) })
	return d
}

func headInvalid(head *Build, source string) bool {
	for _, d := range head.Diagnostics {
		if d.File == source && !d.IsWarning() {
			return true
		}
	}
	return false
}

func (run *CheckRun) renderResult() checks.Result {
	res := checks.Result{Name: checks.Render}
	if run.Head.Repo == nil {
		return skipped(res, "platform.yaml is invalid; see dip/validate")
	}
	for _, d := range run.Head.Diagnostics {
		if d.Rule == "render" && run.Scope.Has(d.File) {
			res.Annotations = append(res.Annotations, checks.Annotation{Pos: d.Pos, Level: checks.LevelFailure,
				Rule: d.Rule, Title: "Request could not be rendered", Message: d.Message})
		}
	}
	d := run.Diff
	switch {
	case len(res.Annotations) > 0:
		res.Conclusion = checks.Failure
		res.Title = fmt.Sprintf("%s could not be rendered", plural(countFiles(res.Annotations), "request"))
	case d.Empty():
		res.Conclusion = checks.Success
		res.Title = "No change to the rendered output"
	default:
		res.Conclusion = checks.Success
		res.Title = fmt.Sprintf("%d added, %d changed, %d removed", len(d.Added), len(d.Changed), len(d.Removed))
	}
	res.Summary = renderSummary(run, res)
	return res
}
