// Package output prints a check report as text for a terminal, JSON for
// tools, SARIF for code-scanning services, and Markdown as the check run
// summaries show it.
package output

import (
	"fmt"
	"io"
	"slices"

	"github.com/dipdev/dip/checks"
)

// Formats lists the formats Write takes.
var Formats = []string{"text", "json", "sarif", "markdown"}

// Write prints r in format.
func Write(w io.Writer, format string, r *checks.Report) error {
	switch format {
	case "text":
		return Text(w, r)
	case "json":
		return JSON(w, r)
	case "sarif":
		return SARIF(w, r)
	case "markdown":
		return Markdown(w, r)
	}
	return fmt.Errorf("unknown format %q; use one of %v", format, Formats)
}

// Valid reports whether format is one Write takes.
func Valid(format string) bool { return slices.Contains(Formats, format) }
