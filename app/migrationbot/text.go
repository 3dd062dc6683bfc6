package migrationbot

import (
	"fmt"
	"html"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/dipdev/dip/vcs"
)

// Limits on what the bot writes: hosts cap a body at 65,536 characters
// (GitHub) or 1,000,000 (GitLab).
const (
	maxBody = 60000
	// maxDiff bounds one request's rendered diff in a body.
	maxDiff = 8000
	// maxListed bounds the items of one list of the tracking issue, and
	// maxItem the length of one.
	maxListed = 30
	maxItem   = 300
)

// title is the stable title of g's pull request.
func (g *group) title() string {
	targets := g.targets()
	if g.request != "" {
		return fmt.Sprintf("Migrate %s/%s to %s", g.team, g.files[0].Name, targets)
	}
	return fmt.Sprintf("Migrate team %s to %s", g.team, targets)
}

// targets names the kinds and versions g migrates to: "PostgresDatabase
// dip/v2".
func (g *group) targets() string {
	var out []string
	for _, f := range g.files {
		if t := f.Kind + " " + f.To; !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

// changed counts the requests of g whose rendered infrastructure changes.
func (g *group) changed() int {
	n := 0
	for _, f := range g.files {
		if !f.Equivalent {
			n++
		}
	}
	return n
}

// commitMessage is the message of g's commit: what it migrates, then a
// Dip-Codemod trailer for each codemod applied.
func (g *group) commitMessage() string {
	var b strings.Builder
	b.WriteString(g.title() + "\n\n")
	b.WriteString("Migrated by dip with codemods; rendering each request before and after\n")
	fmt.Fprintf(&b, "gives the same infrastructure for %d of %d.\n\n", len(g.files)-g.changed(), len(g.files))
	for _, f := range g.files {
		verdict := "no change to rendered infrastructure"
		if !f.Equivalent {
			verdict = "rendered infrastructure changes: review"
		}
		fmt.Fprintf(&b, "- %s: %s %s -> %s, %s\n", f.Path, f.Kind, f.From, f.To, verdict)
	}
	b.WriteString("\n")
	for _, c := range g.codemods() {
		fmt.Fprintf(&b, "Dip-Codemod: %s\n", oneLine(c))
	}
	return b.String()
}

// pullBody is the body of g's pull request in repo, with meta hidden at
// its end. It depends only on g, meta and repo's host and default branch,
// never on the clock or the default branch's head, so that an unrelated
// commit changes nothing.
func (g *group) pullBody(repo vcs.Repo, meta pullMeta) string {
	term := repo.Host.PullRequestTerm()
	var b strings.Builder
	who := "team **" + g.team + "**"
	if g.request != "" {
		who = "`" + g.request + "`"
	}
	fmt.Fprintf(&b, "dip migrates %s off deprecated blueprint versions with %s.\n\n", who, codeList(g.codemods()))
	switch n := g.changed(); n {
	case 0:
		fmt.Fprintf(&b, "**No change to rendered infrastructure**: rendering each of the %d requests before and after gives byte-identical files.\n\n", len(g.files))
	default:
		fmt.Fprintf(&b, "**Review needed**: %d of %d requests render different infrastructure after the migration; their rendered diffs are below.\n\n", n, len(g.files))
	}
	table := tableOf(g)
	diffs := diffsOf(g)
	footer := fmt.Sprintf("\n---\n\ndip keeps this %[2]s up to date: its branch is one commit on `%[1]s`, made again and force-pushed when these requests, or the default branch's copies of them, change. "+
		"Push to the branch and dip leaves the %[2]s to you. Close it unmerged and dip does not propose these migrations again; a request added later on an old version gets a %[2]s of its own.\n\n", repo.DefaultBranch, term)
	metaText := encodeMeta(pullMarker, meta)
	room := maxBody - b.Len() - len(footer) - len(metaText)
	if len(table) > room {
		table = cut(table, room-200) + "\n… the list is too long to show whole: run `dip migrate` to see every request.\n"
	}
	b.WriteString(table)
	room -= len(table)
	if len(diffs) > room {
		diffs = "\nThe rendered diffs are too long to show here: run `dip migrate --format json` to see them.\n"
		if len(diffs) > room {
			diffs = ""
		}
	}
	b.WriteString(diffs)
	b.WriteString(footer)
	b.WriteString(metaText)
	return b.String()
}

func tableOf(g *group) string {
	var b strings.Builder
	b.WriteString("| Request | Migration | Rendered infrastructure |\n|---|---|---|\n")
	for _, f := range g.files {
		verdict := "no change"
		if !f.Equivalent {
			verdict = "**changes: review**"
		}
		fmt.Fprintf(&b, "| `%s` | %s %s → %s | %s |\n", cell(f.Path), cell(f.Kind), cell(f.From), cell(f.To), verdict)
	}
	return b.String()
}

func diffsOf(g *group) string {
	var b strings.Builder
	for _, f := range g.files {
		if f.Equivalent {
			continue
		}
		diff := f.RenderDiff
		if diff == "" {
			diff = "(no diff was given)\n"
		}
		if len(diff) > maxDiff {
			diff = cut(diff, maxDiff) + "\n… (cut: run `dip migrate` to see all of it)\n"
		}
		if !strings.HasSuffix(diff, "\n") {
			diff += "\n"
		}
		fence := fenceFor(diff)
		fmt.Fprintf(&b, "\n<details><summary>Rendered diff of <code>%s</code></summary>\n\n%sdiff\n%s%s\n\n</details>\n",
			html.EscapeString(f.Path), fence, diff, fence)
	}
	return b.String()
}

// leftAloneBody is body with a note that dip no longer updates the pull
// request, called term on its host, and meta.
func leftAloneBody(body, term, sha string, meta pullMeta) string {
	body = strings.TrimSpace(metaRE.ReplaceAllString(body, ""))
	note := fmt.Sprintf("> [!NOTE]\n> dip no longer updates this %s: commit %s on its branch is someone else's. It is yours now.\n\n", term, short(sha))
	return note + body + "\n\n" + encodeMeta(pullMarker, meta)
}

// closedBody is body marked closed by dip, with meta.
func closedBody(body string, meta pullMeta) string {
	body = strings.TrimSpace(metaRE.ReplaceAllString(body, ""))
	return body + "\n\n" + encodeMeta(pullMarker, meta)
}

// leftAloneComment says, once, that dip leaves a pull request alone whose
// branch has commit sha by someone else.
func leftAloneComment(term, branch, sha string) string {
	return fmt.Sprintf("dip leaves this %[1]s alone from now on: its branch `%[2]s` has commit %[3]s, which dip did not make, and dip never force-pushes over someone else's work. "+
		"To have dip take it up again, reset the branch to dip's commit or delete it and close this %[1]s.", term, branch, short(sha))
}

// closeComment says why dip closes a pull request.
func closeComment(term string) string {
	return "dip closed this " + term + ": none of its requests needs migrating any more — they are on current blueprint versions, or were removed."
}

// codeList is names as code, joined: `a`, `b`.
func codeList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "`" + oneLine(n) + "`"
	}
	if len(quoted) == 1 {
		return "the codemod " + quoted[0]
	}
	return "the codemods " + strings.Join(quoted, ", ")
}

// fenceFor returns a code fence longer than any run of backticks in s.
func fenceFor(s string) string {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// cell keeps a value inside one table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "`", "'", "\n", " ", "\r", " ").Replace(s)
}

// oneLine keeps a value on one line, as a trailer or a list item needs.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// cut cuts s to at most n bytes, at a rune boundary.
func cut(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
