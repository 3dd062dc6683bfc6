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

// Diagnostic is a problem in the platform repo that its authors can fix.
// Rule is a short stable identifier of what was checked (for example
// "schema" or "team-exists").
type Diagnostic struct {
	Pos
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

func (d Diagnostic) Error() string { return d.Pos.String() + ": " + d.Message }

// Diagnostics is a list of problems, ordered by SortDiagnostics.
type Diagnostics []Diagnostic

// Add appends a diagnostic at pos.
func (ds *Diagnostics) Add(pos Pos, rule, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Pos: pos, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

// Sort orders diagnostics by file, line, column, rule and message, and
// removes exact duplicates, so that reports are stable.
func (ds *Diagnostics) Sort() {
	slices.SortFunc(*ds, compareDiagnostics)
	*ds = slices.Compact(*ds)
}

func compareDiagnostics(a, b Diagnostic) int {
	return cmp.Or(
		cmp.Compare(a.File, b.File),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Column, b.Column),
		cmp.Compare(a.Rule, b.Rule),
		cmp.Compare(a.Message, b.Message),
	)
}
