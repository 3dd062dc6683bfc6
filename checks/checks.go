// Package checks holds the reviewer's verdict on a platform repo change: one
// result per check run (dip/validate, dip/policy, dip/scan, dip/render), each
// with annotations on the request file and line that caused them.
package checks

import (
	"cmp"
	"slices"

	"github.com/dipdev/dip/platform"
)

// Names of the check runs, in the order they are reported.
const (
	Validate = "dip/validate"
	Policy   = "dip/policy"
	Scan     = "dip/scan"
	Render   = "dip/render"
)

// Conclusion is how a check run ends, in GitHub's terms.
type Conclusion string

const (
	Success Conclusion = "success"
	Failure Conclusion = "failure"
	// Neutral is for a check that could not reach a verdict (a scanner that
	// is missing or crashed, an infrastructure error): never a silent pass,
	// never the author's fault.
	Neutral Conclusion = "neutral"
	Skipped Conclusion = "skipped"
)

// Level is an annotation's severity, in GitHub's terms.
type Level string

const (
	LevelFailure Level = "failure"
	LevelWarning Level = "warning"
	LevelNotice  Level = "notice"
)

// Annotation is one finding, placed on a line of a file of the platform
// repo.
type Annotation struct {
	platform.Pos
	Level Level `json:"level"`
	// Rule is the stable id of what found it: a policy id, a scanner rule,
	// a validation rule.
	Rule    string `json:"rule"`
	Title   string `json:"title,omitempty"`
	Message string `json:"message"`
	// Env is the environment the finding is about, when it is about one.
	Env string `json:"environment,omitempty"`
	// Source names what produced the input judged, such as a rendered file.
	Source string `json:"source,omitempty"`
}

// Result is one check run's outcome.
type Result struct {
	Name       string     `json:"name"`
	Conclusion Conclusion `json:"conclusion"`
	// Title is a one-line summary; Summary is Markdown for the check run page.
	Title       string       `json:"title"`
	Summary     string       `json:"summary"`
	Annotations []Annotation `json:"annotations"`
}

// Report is every check run of one change.
type Report struct {
	Results []Result `json:"checks"`
}

// Failed reports whether any check failed.
func (r *Report) Failed() bool {
	return slices.ContainsFunc(r.Results, func(c Result) bool { return c.Conclusion == Failure })
}

// Get returns the result of the check called name, or nil.
func (r *Report) Get(name string) *Result {
	for i := range r.Results {
		if r.Results[i].Name == name {
			return &r.Results[i]
		}
	}
	return nil
}

// SortAnnotations orders annotations by file, line, column, level, rule and
// message, and drops exact duplicates.
func SortAnnotations(as []Annotation) []Annotation {
	slices.SortFunc(as, func(a, b Annotation) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column),
			cmp.Compare(levelRank(a.Level), levelRank(b.Level)),
			cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Message, b.Message),
			cmp.Compare(a.Env, b.Env),
			cmp.Compare(a.Source, b.Source),
		)
	})
	return slices.Compact(as)
}

func levelRank(l Level) int {
	switch l {
	case LevelFailure:
		return 0
	case LevelWarning:
		return 1
	default:
		return 2
	}
}

// FromDiagnostics turns validation problems into annotations: errors are
// failures, warnings warnings.
func FromDiagnostics(ds platform.Diagnostics) []Annotation {
	out := make([]Annotation, len(ds))
	for i, d := range ds {
		level := LevelFailure
		if d.IsWarning() {
			level = LevelWarning
		}
		out[i] = Annotation{Pos: d.Pos, Level: level, Rule: d.Rule, Message: d.Message}
	}
	return out
}
