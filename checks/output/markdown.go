package output

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/dipdev/dip/checks"
)

// MaxSummary is the most characters GitHub keeps of a check run summary.
const MaxSummary = 65535

// Markdown prints each check's summary under a heading, each cut to what
// a check run can hold.
func Markdown(w io.Writer, r *checks.Report) error {
	for _, c := range r.Results {
		if _, err := fmt.Fprintf(w, "## %s %s — %s\n\n%s\n", icon(c.Conclusion), c.Name, c.Title, Truncate(c.Summary, MaxSummary)); err != nil {
			return err
		}
	}
	return nil
}

func icon(c checks.Conclusion) string {
	switch c {
	case checks.Success:
		return "✅"
	case checks.Failure:
		return "❌"
	case checks.Neutral:
		return "⚠️"
	}
	return "⏭️"
}

// Truncate cuts Markdown s to at most limit characters (as GitHub counts
// them, in Unicode code points) at a line end, closes a code block or
// details element left open, and says that it was cut.
func Truncate(s string, limit int) string {
	return Cut(s, limit, "\n\n_This summary was cut to fit a check run; every finding is still an annotation on its line, and `dip check` prints them all._\n")
}

// Cut is Truncate with note, Markdown, saying what was cut and where the
// rest is.
func Cut(s string, limit int, note string) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	budget := limit - utf8.RuneCountInString(note) - len("\n```\n</details>\n")
	cut := 0
	count := 0
	for i := range s {
		if count == budget {
			cut = i
			break
		}
		count++
	}
	kept := s[:cut]
	if nl := strings.LastIndexByte(kept, '\n'); nl > 0 {
		kept = kept[:nl+1]
	}
	if strings.Count(kept, "```")%2 == 1 {
		kept += "```\n"
	}
	if strings.Count(kept, "<details>") > strings.Count(kept, "</details>") {
		kept += "\n</details>\n"
	}
	return kept + note
}
