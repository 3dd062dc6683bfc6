// Package audit is dip's audit trail: the git trailers a render commit on
// the output branch ends with (written by dip serve, read back by dip
// audit and GET /audit), the records of request changes read from the
// output branch's history, the verification that every render commit holds
// what its source commit renders to, and the exceptions in force.
//
// The trail is verifiable from commit history alone: nothing here reads
// dip's database or asks the code host.
package audit

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The trailer keys of the design's audit section, and Dip-Renderer, which
// names the renderer version that made the tree.
const (
	KeySource      = "Dip-Source-Commit"
	KeyPullRequest = "Dip-Pull-Request"
	KeyRequestedBy = "Dip-Requested-By"
	KeyApprovedBy  = "Dip-Approved-By"
	KeyBundle      = "Dip-Policy-Bundle"
	KeyRenderer    = "Dip-Renderer"
	KeyRequest     = "Dip-Request"
	KeyException   = "Dip-Exception"
)

// Trail is what one render commit records of its source commit.
type Trail struct {
	// Source is the commit of the default branch that was rendered.
	Source string `json:"source_commit"`
	// Pulls are the pull requests merged since the last render.
	Pulls []Pull `json:"pull_requests"`
	// Bundle is the policy bundle's version.
	Bundle string `json:"policy_bundle"`
	// Renderer is the version of the renderers that made the tree; empty
	// in commits of a dip that did not record it.
	Renderer string `json:"renderer"`
	// Requests are the request files added, changed or removed.
	Requests []string `json:"requests"`
	// Exceptions are every exception in force at the source commit.
	Exceptions []Exception `json:"exceptions"`
	// Unknown lists Dip- trailers this dip does not know, by key: a newer
	// dip may add some.
	Unknown []string `json:"unknown,omitempty"`
}

// Pull is a merged pull request, who opened it and who approved it.
type Pull struct {
	Number    int      `json:"number"`
	URL       string   `json:"url"`
	Author    string   `json:"requested_by"`
	Approvers []string `json:"approved_by"`
}

// Exception is one exception in force, as a trailer records it.
type Exception struct {
	Request string `json:"request"`
	Policy  string `json:"policy"`
	Expires string `json:"expires"`
}

// Message is the whole commit message of a render of the commit whose
// message is source: a subject naming the source commit and its subject, a
// line of prose, then the trailers.
func (t *Trail) Message(source string) string {
	subject, _, _ := strings.Cut(strings.TrimSpace(source), "\n")
	var b strings.Builder
	fmt.Fprintf(&b, "Render %s: %s\n\n", t.Source[:min(12, len(t.Source))], oneLine(subject, 200))
	fmt.Fprintf(&b, "Rendered by dip from %s.\n\n", t.Source)
	b.WriteString(t.Trailers())
	return b.String()
}

// Trailers is the trailer block. Each pull request's line is followed by
// its author's and approvers' lines. A value that is empty, or holds a
// space, a control character, invalid UTF-8 or a leading double quote, is
// written as a Go-quoted string, so that every value reads back as it was;
// ordinary values are written as they are.
func (t *Trail) Trailers() string {
	var b strings.Builder
	line := func(key string, fields ...string) {
		b.WriteString(key)
		b.WriteString(": ")
		for i, f := range fields {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(field(f))
		}
		b.WriteByte('\n')
	}
	line(KeySource, t.Source)
	for _, pr := range t.Pulls {
		b.WriteString(KeyPullRequest + ": " + strconv.Itoa(pr.Number) + " " + field(pr.URL) + "\n")
		if pr.Author != "" {
			line(KeyRequestedBy, pr.Author)
		}
		for _, who := range pr.Approvers {
			line(KeyApprovedBy, who)
		}
	}
	line(KeyBundle, t.Bundle)
	if t.Renderer != "" {
		line(KeyRenderer, t.Renderer)
	}
	for _, p := range t.Requests {
		line(KeyRequest, p)
	}
	for _, e := range t.Exceptions {
		line(KeyException, e.Request, e.Policy, e.Expires)
	}
	return b.String()
}

// field is s as one trailer field: as it is when plain, else quoted.
func field(s string) string {
	if plain(s) {
		return s
	}
	return strconv.Quote(s)
}

// plain reports whether s can stand in a trailer unquoted: not empty, valid
// UTF-8, printable, no spaces, not starting with a double quote.
func plain(s string) bool {
	if s == "" || s[0] == '"' || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == ' ' || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// oneLine keeps the subject on one line: runs of white space become one
// space, and it is cut to n bytes on a rune boundary.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
