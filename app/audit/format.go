package audit

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Formats are the output formats of the audit trail.
var Formats = []string{"text", "json", "csv"}

// Write prints v, a *Log, *Verification or *ExceptionReport, in format.
func Write(w io.Writer, format string, v any) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "csv":
		cw := csv.NewWriter(w)
		var rows [][]string
		switch v := v.(type) {
		case *Log:
			rows = v.csv()
		case *Verification:
			rows = v.csv()
		case *ExceptionReport:
			rows = v.csv()
		}
		if err := cw.WriteAll(rows); err != nil {
			return err
		}
		return cw.Error()
	case "text":
		var b strings.Builder
		switch v := v.(type) {
		case *Log:
			v.text(&b)
		case *Verification:
			v.text(&b)
		case *ExceptionReport:
			v.text(&b)
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	return fmt.Errorf("unknown format %q", format)
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func pullLines(ps []Pull) string {
	if len(ps) == 0 {
		return "no pull request (pushed directly)"
	}
	var out []string
	for _, p := range ps {
		s := fmt.Sprintf("pull request #%d %s", p.Number, field(p.URL))
		if p.Author != "" {
			s += " by " + field(p.Author)
		}
		if len(p.Approvers) == 0 {
			s += ", approved by no one"
		} else {
			var who []string
			for _, a := range p.Approvers {
				who = append(who, field(a))
			}
			s += ", approved by " + strings.Join(who, ", ")
		}
		out = append(out, s)
	}
	return strings.Join(out, "\n  ")
}

// text lists the records. Values that would break a line (a path with a
// newline) are quoted, as in the trailers.
func (l *Log) text(b *strings.Builder) {
	for _, r := range l.Records {
		kind := r.Kind
		if kind == "" {
			kind = "kind unknown"
		}
		fmt.Fprintf(b, "%s  %-7s  %s (%s, team %s)\n", stamp(r.Time), r.Action, field(r.Request), kind, field(r.Team))
		renderer := r.Renderer
		if renderer == "" {
			renderer = "not recorded"
		}
		fmt.Fprintf(b, "  render %s of source %s, renderer %s, policy bundle %s\n", r.Commit[:12], r.Source[:min(12, len(r.Source))], renderer, r.Bundle)
		fmt.Fprintf(b, "  %s\n", pullLines(r.Pulls))
		for _, ex := range r.Exceptions {
			fmt.Fprintf(b, "  exception to %s until %s: %s\n", ex.Policy, ex.Expires, strconv.Quote(ex.Reason))
		}
	}
	fmt.Fprintf(b, "%s on %s at %s", plural(len(l.Records), "record"), l.Branch, l.Tip[:min(12, len(l.Tip))])
	if l.Unrendered > 0 {
		fmt.Fprintf(b, "; %s without dip's trailers (dip audit --verify checks them)", plural(l.Unrendered, "commit"))
	}
	b.WriteString(".\n")
	writeTrouble(b, l.Partial, l.Problems)
}

func writeTrouble(b *strings.Builder, partial string, problems []Problem) {
	if partial != "" {
		fmt.Fprintf(b, "PARTIAL: %s.\n", partial)
	}
	for _, p := range problems {
		fmt.Fprintf(b, "problem: %s: %s\n", p.Commit[:min(12, len(p.Commit))], p.Message)
	}
}

func (l *Log) csv() [][]string {
	rows := [][]string{{"time", "request", "action", "kind", "team", "render_commit", "source_commit",
		"pull_requests", "requested_by", "approved_by", "policy_bundle", "renderer", "exceptions"}}
	for _, r := range l.Records {
		var exs []string
		for _, ex := range r.Exceptions {
			exs = append(exs, fmt.Sprintf("%s until %s: %s", ex.Policy, ex.Expires, ex.Reason))
		}
		row := []string{stamp(r.Time), r.Request, string(r.Action), r.Kind, r.Team, r.Commit, r.Source}
		row = append(row, pullColumns(r.Pulls)...)
		rows = append(rows, append(row, r.Bundle, r.Renderer, strings.Join(exs, "\n")))
	}
	return rows
}

func (v *Verification) text(b *strings.Builder) {
	for _, c := range v.Checks {
		mark := "ok  "
		switch {
		case c.Failed:
			mark = "FAIL"
		case c.Status == OtherVersion || c.Status == Unverifiable:
			mark = "note"
		}
		fmt.Fprintf(b, "%s %s %s %-14s %s\n", mark, c.Commit[:12], stamp(c.Time), c.Status, c.Message)
		for _, n := range c.Notes {
			fmt.Fprintf(b, "       %s\n", n)
		}
		for _, d := range c.Differences {
			fmt.Fprintf(b, "       %s\n", d)
		}
	}
	fmt.Fprintf(b, "%s of %s at %s checked with renderer version %s", plural(len(v.Checks), "commit"), v.Branch, v.Tip[:min(12, len(v.Tip))], v.Renderer)
	if v.Failures == 0 {
		b.WriteString(": the chain is unbroken.\n")
	} else {
		fmt.Fprintf(b, ": %s; the chain breaks at %s.\n", plural(v.Failures, "failure"), v.Broken[:12])
	}
	writeTrouble(b, v.Partial, nil)
}

func (v *Verification) csv() [][]string {
	rows := [][]string{{"commit", "time", "committer", "source_commit", "status", "failed", "message", "notes", "differences"}}
	for _, c := range v.Checks {
		rows = append(rows, []string{c.Commit, stamp(c.Time), c.Committer, c.Source, string(c.Status), strconv.FormatBool(c.Failed),
			c.Message, strings.Join(c.Notes, "\n"), strings.Join(c.Differences, "\n")})
	}
	return rows
}

func (e *ExceptionReport) text(b *strings.Builder) {
	for _, h := range e.Exceptions {
		flag := ""
		switch h.Standing {
		case Expiring:
			flag = "  EXPIRES IN " + strings.ToUpper(plural(h.DaysLeft, "day"))
		case Expired:
			flag = "  EXPIRED"
		}
		fmt.Fprintf(b, "%s  %s until %s%s\n", field(h.Request), field(h.Policy), h.Expires, flag)
		fmt.Fprintf(b, "  reason: %s\n", strconv.Quote(h.Reason))
		if h.AddedIn == "" {
			b.WriteString("  added: no render commit records it yet\n")
			continue
		}
		fmt.Fprintf(b, "  added in render %s of source %s\n  %s\n", h.AddedIn[:12], h.Source[:min(12, len(h.Source))], pullLines(h.Pulls))
	}
	expiring, expired := 0, 0
	for _, h := range e.Exceptions {
		switch h.Standing {
		case Expiring:
			expiring++
		case Expired:
			expired++
		}
	}
	fmt.Fprintf(b, "%s on %s at %s on %s: %d expiring within %s, %d expired.\n",
		plural(len(e.Exceptions), "exception"), e.Branch, e.Commit[:12], e.Today, expiring, plural(e.Within, "day"), expired)
	writeTrouble(b, "", e.Problems)
}

func (e *ExceptionReport) csv() [][]string {
	rows := [][]string{{"request", "kind", "team", "policy", "reason", "expires", "standing", "days_left", "added_in", "source_commit", "pull_requests", "requested_by", "approved_by"}}
	for _, h := range e.Exceptions {
		row := []string{h.Request, h.Kind, h.Team, h.Policy, h.Reason, h.Expires, h.Standing, strconv.Itoa(h.DaysLeft), h.AddedIn, h.Source}
		rows = append(rows, append(row, pullColumns(h.Pulls)...))
	}
	return rows
}

// pullColumns are the CSV columns of pull requests: numbers and URLs,
// authors, approvers; one pull request's entries after another's, split
// by "; ".
func pullColumns(ps []Pull) []string {
	var prs, by, approved []string
	for _, p := range ps {
		prs = append(prs, strconv.Itoa(p.Number)+" "+p.URL)
		by = append(by, p.Author)
		approved = append(approved, strings.Join(p.Approvers, ", "))
	}
	return []string{strings.Join(prs, "; "), strings.Join(by, "; "), strings.Join(approved, "; ")}
}
