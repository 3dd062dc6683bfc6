package pipeline

import (
	"fmt"
	"strings"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/checks/policy"
)

// maxListed bounds the rows of any list in a summary; annotations carry
// every finding.
const maxListed = 100

func validateSummary(run *CheckRun, res checks.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**\n\n", res.Title)
	fmt.Fprintf(&b, "%s\n\n", scopeLine(run))
	if len(res.Annotations) > 0 {
		b.WriteString("| File | Line | Problem |\n|---|---:|---|\n")
		for i, a := range res.Annotations {
			if i == maxListed {
				fmt.Fprintf(&b, "| … | | %d more, on the files' lines |\n", len(res.Annotations)-maxListed)
				break
			}
			mark := ""
			if a.Level == checks.LevelWarning {
				mark = "(warning) "
			}
			fmt.Fprintf(&b, "| `%s` | %d | %s%s |\n", a.File, a.Line, mark, cell(a.Message))
		}
	}
	return b.String()
}

func scopeLine(run *CheckRun) string {
	switch {
	case run.Base == nil:
		return fmt.Sprintf("Judged all %s of the repo.", plural(run.Head.requestCount(), "request"))
	case run.Scope == nil:
		return fmt.Sprintf("platform.yaml changed, so all %s were judged.", plural(run.Head.requestCount(), "request"))
	default:
		return fmt.Sprintf("Judged the %s this change adds, alters or affects, of %d in the repo.",
			plural(run.judgedRequests(), "request"), run.Head.requestCount())
	}
}

func policySummary(run *CheckRun, res checks.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**\n\n", res.Title)
	v := run.Verdict
	fmt.Fprintf(&b, "Policy bundle %s with the platform's own policies, as on the base branch: %s over %s. %s\n\n",
		run.BundleVersion, plural(v.Rules, "rule"), plural(v.Inputs, "document"), scopeLine(run))
	if len(res.Annotations) > 0 {
		b.WriteString("| Request | Line | Policy | Finding |\n|---|---:|---|---|\n")
		for i, a := range res.Annotations {
			if i == maxListed {
				fmt.Fprintf(&b, "| … | | | %d more, on the requests' lines |\n", len(res.Annotations)-maxListed)
				break
			}
			env := ""
			if a.Env != "" {
				env = " (" + a.Env + ")"
			}
			fmt.Fprintf(&b, "| `%s` | %d | `%s` %s | %s%s |\n", a.File, a.Line, a.Rule, levelMark(a.Level), cell(a.Message), env)
		}
		b.WriteString("\n")
	}
	if len(v.Exceptions)+len(v.Unused) > 0 {
		b.WriteString("**Exceptions in force**\n\n| Request | Policy | Expires | Suppressed | Reason |\n|---|---|---|---:|---|\n")
		for _, a := range append(append([]policy.Applied{}, v.Exceptions...), v.Unused...) {
			fmt.Fprintf(&b, "| `%s` | `%s` | %s | %d | %s |\n", a.Request, a.Exception.Policy, a.Exception.Expires, a.Suppressed, cell(a.Exception.Reason))
		}
		if len(v.Unused) > 0 {
			b.WriteString("\nAn exception that suppresses nothing can be removed.\n")
		}
		b.WriteString("\n")
	}
	if im := run.Impact; im != nil {
		b.WriteString(impactSummary(im))
	}
	return b.String()
}

func impactSummary(im *Impact) string {
	var b strings.Builder
	b.WriteString("### Policy impact\n\nThis change alters the platform's policies. They are not used to judge this change itself; after the merge they judge every request.\n\n")
	if im.Err != nil {
		fmt.Fprintf(&b, "The changed policies could not be judged:\n\n```\n%v\n```\n", im.Err)
		return b.String()
	}
	if len(im.NewlyFailing)+len(im.NewlyPassing) == 0 {
		fmt.Fprintf(&b, "No existing request changes outcome (%s judged).\n", plural(im.Requests, "request"))
		return b.String()
	}
	list := func(title string, entries []ImpactEntry) {
		if len(entries) == 0 {
			return
		}
		fmt.Fprintf(&b, "**%s** (%d)\n\n", title, len(entries))
		for i, e := range entries {
			if i == maxListed {
				fmt.Fprintf(&b, "- … %d more\n", len(entries)-maxListed)
				break
			}
			fmt.Fprintf(&b, "- `%s`: %s\n", e.Request, cell(strings.Join(e.Failures, "; ")))
		}
		b.WriteString("\n")
	}
	list("Would newly fail", im.NewlyFailing)
	list("Would newly pass", im.NewlyPassing)
	return b.String()
}

func renderSummary(run *CheckRun, res checks.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**\n\n", res.Title)
	for _, a := range res.Annotations {
		fmt.Fprintf(&b, "- `%s:%d`: %s\n", a.File, a.Line, cell(a.Message))
	}
	d := run.Diff
	section := func(title string, files []FileChange) {
		if len(files) == 0 {
			return
		}
		fmt.Fprintf(&b, "<details><summary>%s (%d)</summary>\n\n", title, len(files))
		for i, f := range files {
			if i == maxListed {
				fmt.Fprintf(&b, "- … %d more\n", len(files)-maxListed)
				break
			}
			fmt.Fprintf(&b, "- `%s` from `%s`\n", f.Path, f.Source)
		}
		b.WriteString("\n</details>\n\n")
	}
	section("Added", d.Added)
	section("Changed", d.Changed)
	section("Removed", d.Removed)
	return b.String()
}

func levelMark(l checks.Level) string {
	if l == checks.LevelWarning {
		return "(warning)"
	}
	return ""
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\r", "")
	return strings.ReplaceAll(s, "\n", " ")
}
