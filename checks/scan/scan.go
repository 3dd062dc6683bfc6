package scan

import (
	"context"
	"fmt"
	"strings"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/platform"
)

// Input is what one dip/scan check looks at.
type Input struct {
	// Requests are the request files in scope, as written.
	Requests []File
	// Scanners run over RenderedDir, a directory holding the rendered files
	// in scope; MapBack places their findings on requests. With no
	// RenderedDir (nothing was rendered) the scanners are not run.
	Scanners    []platform.Scanner
	RenderedDir string
	MapBack     MapBack
}

// Run is the dip/scan check: secrets in the requests, then each external
// scanner in turn, in the order configured. secrets comes from NewSecrets;
// nil means secret scanning is unavailable, which makes the check neutral.
//
// The check fails on any failure annotation; otherwise it is neutral when a
// scanner gave no verdict, since a scanner that did not run is never a
// silent pass; otherwise it succeeds. The title is one line, such as
// "2 secrets found; kube-score: 3 warnings", and the summary is a Markdown
// table of each scanner's outcome.
func Run(ctx context.Context, secrets *Secrets, in Input) checks.Result {
	res := checks.Result{Name: checks.Scan}
	var (
		title   []string
		table   strings.Builder
		neutral bool
	)
	table.WriteString("| Scanner | Outcome |\n|---|---|\n")
	row := func(name, outcome string) { fmt.Fprintf(&table, "| %s | %s |\n", cell(name), cell(outcome)) }

	if secrets == nil {
		neutral = true
		title = append(title, "secrets: no verdict")
		row("secrets (gitleaks)", "no verdict: secret scanning is not available")
	} else {
		found := secrets.Scan(in.Requests)
		res.Annotations = append(res.Annotations, found...)
		if len(found) == 0 {
			title = append(title, "no secrets found")
		} else {
			title = append(title, plural(len(found), "secret")+" found")
		}
		row("secrets (gitleaks)", fmt.Sprintf("%s in %s", plural(len(found), "secret"), plural(len(in.Requests), "request file")))
	}

	for _, sc := range in.Scanners {
		if in.RenderedDir == "" {
			title = append(title, sc.Name+": not run")
			row(sc.Name, "not run: nothing was rendered")
			continue
		}
		r := External(ctx, sc, in.RenderedDir, in.MapBack)
		res.Annotations = append(res.Annotations, r.Annotations...)
		if r.Conclusion == checks.Neutral {
			neutral = true
			title = append(title, sc.Name+": no verdict")
			row(sc.Name, "no verdict: "+r.Message)
			continue
		}
		title = append(title, sc.Name+": "+levels(r.Annotations))
		row(sc.Name, levels(r.Annotations))
	}

	res.Annotations = checks.SortAnnotations(res.Annotations)
	failed := false
	var unplaced []checks.Annotation
	for _, a := range res.Annotations {
		failed = failed || a.Level == checks.LevelFailure
		if a.File == "" {
			unplaced = append(unplaced, a)
		}
	}
	switch {
	case failed:
		res.Conclusion = checks.Failure
	case neutral:
		res.Conclusion = checks.Neutral
	default:
		res.Conclusion = checks.Success
	}
	res.Title = capitalize(strings.Join(title, "; "))

	var b strings.Builder
	fmt.Fprintf(&b, "**%s**\n\n%s", res.Title, table.String())
	if len(unplaced) > 0 {
		b.WriteString("\nFindings that name no rendered file:\n\n")
		for _, a := range unplaced {
			fmt.Fprintf(&b, "- %s (%s): %s\n", a.Level, a.Rule, cell(a.Message))
		}
	}
	res.Summary = b.String()
	return res
}

// levels counts annotations by level: "1 failure, 3 warnings", or "no
// findings".
func levels(as []checks.Annotation) string {
	n := map[checks.Level]int{}
	for _, a := range as {
		n[a.Level]++
	}
	var parts []string
	for _, l := range []checks.Level{checks.LevelFailure, checks.LevelWarning, checks.LevelNotice} {
		if n[l] > 0 {
			parts = append(parts, plural(n[l], string(l)))
		}
	}
	if len(parts) == 0 {
		return "no findings"
	}
	return strings.Join(parts, ", ")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// cell makes s fit in one Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\r", "", "\n", "<br>").Replace(strings.TrimSpace(s))
}
