package output

import (
	"fmt"
	"io"
	"strings"

	"github.com/dipdev/dip/checks"
)

// Text prints each check's conclusion and title, then its annotations as
// file:line:column: message lines, the way compilers and linters do.
func Text(w io.Writer, r *checks.Report) error {
	for i, c := range r.Results {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%-13s %-8s %s\n", c.Name, strings.ToUpper(string(c.Conclusion)), c.Title)
		for _, a := range c.Annotations {
			env := ""
			if a.Env != "" {
				env = "[" + a.Env + "] "
			}
			fmt.Fprintf(w, "  %s: %s: %s%s [%s]\n", a.Pos, a.Level, env, a.Message, a.Rule)
		}
		if c.Conclusion == checks.Neutral || c.Conclusion == checks.Skipped {
			for _, line := range strings.Split(strings.TrimSpace(c.Summary), "\n") {
				fmt.Fprintf(w, "  %s\n", line)
			}
		}
	}
	verdict := "All checks passed."
	if r.Failed() {
		verdict = "Some checks failed."
	}
	_, err := fmt.Fprintf(w, "\n%s\n", verdict)
	return err
}
