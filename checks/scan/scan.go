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
	// Scanners run over RenderedDir, the rendered files in scope on disk;
	// MapBack places their findings on requests.
	Scanners    []platform.Scanner
	RenderedDir string
	MapBack     MapBack
}

// Run is the dip/scan check: secrets in the requests, then each external
// scanner in turn. It fails on any failure finding, and is neutral when a
// scanner could not give a verdict (and nothing failed): a scanner that did
// not run is never a silent pass.
func Run(ctx context.Context, secrets *Secrets, in Input) checks.Result {
	res := checks.Result{Name: checks.Scan}
	found := secrets.Scan(in.Requests)
	res.Annotations = append(res.Annotations, found...)
	var b strings.Builder
	fmt.Fprintf(&b, "| Scanner | Outcome |\n|---|---|\n| secrets (gitleaks) | %s in %s |\n",
		plural(len(found), "secret"), plural(len(in.Requests), "request"))
	neutral := false
	var parts []string
	if len(found) > 0 {
		parts = append(parts, plural(len(found), "secret")+" found")
	}
	for _, sc := range in.Scanners {
		r := External(ctx, sc, in.RenderedDir, in.MapBack)
		res.Annotations = append(res.Annotations, r.Annotations...)
		switch r.Conclusion {
		case checks.Neutral:
			neutral = true
			parts = append(parts, sc.Name+" gave no verdict")
			fmt.Fprintf(&b, "| %s | no verdict: %s |\n", sc.Name, cell(r.Message))
		default:
			fmt.Fprintf(&b, "| %s | %s |\n", sc.Name, plural(len(r.Annotations), "finding"))
			if len(r.Annotations) > 0 {
				parts = append(parts, fmt.Sprintf("%s: %s", sc.Name, plural(len(r.Annotations), "finding")))
			}
		}
	}
	res.Annotations = checks.SortAnnotations(res.Annotations)
	failed := false
	for _, a := range res.Annotations {
		failed = failed || a.Level == checks.LevelFailure
	}
	switch {
	case failed:
		res.Conclusion = checks.Failure
	case neutral:
		res.Conclusion = checks.Neutral
	default:
		res.Conclusion = checks.Success
	}
	res.Title = strings.Join(parts, "; ")
	if res.Title == "" {
		res.Title = "No secrets or scanner findings"
	}
	res.Summary = "**" + res.Title + "**\n\n" + b.String()
	return res
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", "").Replace(s)
}
