package migrationbot

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/vcs"
)

// Label marks the bot's pull requests and its tracking issue.
const Label = "dip-migration"

// issueTitle is the tracking issue's title.
const issueTitle = "Blueprint migrations"

// report is what the tracking issue shows.
type report struct {
	// files are every request on a deprecated version that a codemod
	// migrates, declined or not.
	files       []pipeline.MigratedFile
	open        []openReport
	held        []decision
	declined    []declined
	diagnostics platform.Diagnostics
	// host names pull requests: merge requests and !1 on GitLab.
	host vcs.Host
}

// ref is how the host's Markdown refers to pull request n.
func (r *report) ref(n int) string { return r.host.PullRequestMention(n) }

// openReport is an open migration pull request as the issue lists it.
type openReport struct {
	number    int
	branch    string
	requests  int
	changed   int
	leftAlone bool
}

// empty reports whether there is nothing to say.
func (r *report) empty() bool {
	return len(r.files) == 0 && len(r.open) == 0 && len(r.declined) == 0 && len(r.diagnostics) == 0
}

// body is the tracking issue's text, with mem hidden at its end. Like a
// pull request's body it depends on nothing but the state it reports.
func (r *report) body(mem memory) string {
	term := r.host.PullRequestTerm()
	var b strings.Builder
	fmt.Fprintf(&b, "dip moves requests off deprecated blueprint versions with %ss of its own, and keeps this issue up to date: edits to it are overwritten.\n\n", term)

	b.WriteString("## Pending\n\n")
	if len(r.files) == 0 {
		b.WriteString("None: every request is on a current blueprint version, or cannot be migrated (below).\n\n")
	} else {
		counts := map[string]int{}
		for _, f := range r.files {
			counts[fmt.Sprintf("%s %s → %s", f.Kind, f.From, f.To)]++
		}
		fmt.Fprintf(&b, "%d requests are on deprecated blueprint versions.\n\n| Migration | Requests |\n|---|---:|\n", len(r.files))
		for _, k := range sortedKeys(counts) {
			fmt.Fprintf(&b, "| %s | %d |\n", cell(k), counts[k])
		}
		b.WriteString("\n")
	}

	fmt.Fprintf(&b, "## Open %ss\n\n", term)
	if len(r.open) == 0 {
		b.WriteString("None.\n\n")
	}
	list(&b, len(r.open), func(i int) string {
		o := r.open[i]
		switch {
		case o.leftAlone:
			return fmt.Sprintf("%s `%s`: left alone, since someone else pushed to its branch", r.ref(o.number), o.branch)
		case o.changed > 0:
			return fmt.Sprintf("%s `%s`: %s, %d of them changing rendered infrastructure: review", r.ref(o.number), o.branch, plural(o.requests, "request"), o.changed)
		default:
			return fmt.Sprintf("%s `%s`: %s, no change to rendered infrastructure", r.ref(o.number), o.branch, plural(o.requests, "request"))
		}
	})

	if len(r.held) > 0 {
		b.WriteString("## Held back\n\n")
		list(&b, len(r.held), func(i int) string {
			d := r.held[i]
			return fmt.Sprintf("`%s` (%s): %s", d.g.branch, plural(len(d.g.files), "request"), d.reason)
		})
	}
	if len(r.declined) > 0 {
		fmt.Fprintf(&b, "## Ignored\n\nMigrations whose %[1]s was closed without merging; dip does not propose them again. Migrate them by hand, or reopen the %[1]s.\n\n", term)
		list(&b, len(r.declined), func(i int) string {
			d := r.declined[i]
			return fmt.Sprintf("`%s` to %s: %s", d.Path, d.To, r.ref(d.Pull))
		})
	}
	if len(r.diagnostics) > 0 {
		b.WriteString("## Cannot be migrated\n\nThese requests are left as they are; migrate them by hand.\n\n")
		list(&b, len(r.diagnostics), func(i int) string {
			d := r.diagnostics[i]
			return fmt.Sprintf("`%s`: %s", d.Pos.String(), oneLine(d.Message))
		})
	}
	b.WriteString(encodeMeta(issueMarker, mem))
	return b.String()
}

// list writes n items, at most maxListed of them.
func list(b *strings.Builder, n int, item func(int) string) {
	for i := range min(n, maxListed) {
		b.WriteString("- " + cut(item(i), maxItem) + "\n")
	}
	if n > maxListed {
		fmt.Fprintf(b, "- … and %d more\n", n-maxListed)
	}
	if n > 0 {
		b.WriteString("\n")
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// tracking is the repository's tracking issue, if it has one, and the
// memory it holds.
type tracking struct {
	issue *vcs.Issue
	mem   memory
}

// pickTracking finds the tracking issue among issues carrying Label: the
// oldest with the bot's marker.
func pickTracking(issues []vcs.Issue) tracking {
	var t tracking
	for i := range issues {
		is := issues[i]
		if !hasMeta(is.Body, issueMarker) {
			continue
		}
		if t.issue == nil || is.Number < t.issue.Number {
			t.issue = &is
		}
	}
	t.mem = memory{Version: metaVersion}
	if t.issue != nil {
		var m memory
		if decodeMeta(t.issue.Body, issueMarker, &m) {
			t.mem = m
		}
	}
	slices.SortFunc(t.mem.Pulls, func(a, b trackedPull) int { return a.Number - b.Number })
	return t
}
