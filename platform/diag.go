// Package platform models a platform repo: its settings, teams and requests,
// read from files with every value's position kept, so that any problem a
// user can cause is reported at the file, line and column that caused it.
package platform

import (
	"cmp"
	"fmt"
	"slices"
)

// Pos is a position in a file of the platform repo. File is slash-separated
// and relative to the repo root. Line and Column count from 1; zero means
// unknown.
type Pos struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Column == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
	}
}

// Severity says whether a diagnostic fails validation. The zero value is
// SeverityError: a diagnostic is an error unless it says otherwise.
type Severity int

const (
	// SeverityError is a problem that makes its file invalid.
	SeverityError Severity = iota
	// SeverityWarning is something to act on that does not fail
	// validation, such as a request on a deprecated blueprint version.
	SeverityWarning
)

func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// MarshalText writes "error" or "warning".
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads "error" or "warning".
func (s *Severity) UnmarshalText(b []byte) error {
	switch string(b) {
	case "error":
		*s = SeverityError
	case "warning":
		*s = SeverityWarning
	default:
		return fmt.Errorf("unknown severity %q", b)
	}
	return nil
}

// Diagnostic is a problem in the platform repo that its authors can fix.
// Rule is a short stable identifier of what was checked (for example
// "schema" or "team-exists").
type Diagnostic struct {
	Pos
	Severity Severity `json:"severity"`
	Rule     string   `json:"rule"`
	Message  string   `json:"message"`
}

func (d Diagnostic) Error() string {
	if d.Severity == SeverityWarning {
		return d.Pos.String() + ": warning: " + d.Message
	}
	return d.Pos.String() + ": " + d.Message
}

// IsWarning reports whether d is a warning rather than an error.
func (d Diagnostic) IsWarning() bool { return d.Severity == SeverityWarning }

// Diagnostics is a list of problems, ordered by SortDiagnostics.
type Diagnostics []Diagnostic

// Add appends a diagnostic at pos.
func (ds *Diagnostics) Add(pos Pos, rule, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Pos: pos, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

// Warn appends a warning at pos.
func (ds *Diagnostics) Warn(pos Pos, rule, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Pos: pos, Severity: SeverityWarning, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	return slices.ContainsFunc(ds, func(d Diagnostic) bool { return !d.IsWarning() })
}

// Errors returns the diagnostics that are errors, in order.
func (ds Diagnostics) Errors() Diagnostics {
	return slices.DeleteFunc(slices.Clone(ds), Diagnostic.IsWarning)
}

// Warnings returns the diagnostics that are warnings, in order.
func (ds Diagnostics) Warnings() Diagnostics {
	return slices.DeleteFunc(slices.Clone(ds), func(d Diagnostic) bool { return !d.IsWarning() })
}

// Sort orders diagnostics by file, line, column, severity (errors
// first), rule and message, and removes exact duplicates, so that reports
// are stable.
func (ds *Diagnostics) Sort() {
	slices.SortFunc(*ds, compareDiagnostics)
	*ds = slices.Compact(*ds)
}

func compareDiagnostics(a, b Diagnostic) int {
	return cmp.Or(
		cmp.Compare(a.File, b.File),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Column, b.Column),
		cmp.Compare(a.Severity, b.Severity),
		cmp.Compare(a.Rule, b.Rule),
		cmp.Compare(a.Message, b.Message),
	)
}
