package audit

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// MaxMessage bounds a commit message Parse reads: a render of 100,000
// requests lists them in well under this.
const MaxMessage = 16 << 20

// ErrNoTrail is the error of a message with no Dip- trailer at all: a
// commit not made by dip.
var ErrNoTrail = errors.New("no dip trailers")

// MalformedError is a message whose Dip- trailers cannot be read as dip
// writes them. Line is the message's line, from 1; zero for the message
// as a whole.
type MalformedError struct {
	Line int
	Msg  string
}

func (e *MalformedError) Error() string {
	if e.Line == 0 {
		return "malformed audit trail: " + e.Msg
	}
	return fmt.Sprintf("malformed audit trail: line %d: %s", e.Line, e.Msg)
}

func malformed(line int, format string, args ...any) error {
	return &MalformedError{Line: line, Msg: fmt.Sprintf(format, args...)}
}

// Parse reads the trail of a render commit's message. The trailers must be
// the message's last paragraph, as git defines trailers; a Dip- trailer
// anywhere else, a line of that paragraph that is not a trailer, a missing
// or repeated Dip-Source-Commit or Dip-Policy-Bundle, a value dip would not
// write, or an author or approver line before any pull request line is a
// *MalformedError. A message without any Dip- line is ErrNoTrail. Other
// trailers (Signed-off-by) are allowed in the block and left out.
func Parse(msg string) (*Trail, error) {
	if len(msg) > MaxMessage {
		return nil, malformed(0, "message of %d bytes is longer than %d", len(msg), MaxMessage)
	}
	lines := strings.Split(msg, "\n")
	end := len(lines)
	for end > 0 && blank(lines[end-1]) {
		end--
	}
	start := end
	for start > 0 && !blank(lines[start-1]) {
		start--
	}
	// A Dip- line above the trailer block was moved there, or the block
	// was cut off from the end.
	for i := range start {
		if key, _, ok := trailerLine(lines[i]); ok && isDip(key) {
			if !hasDip(lines[start:end]) {
				return nil, malformed(i+1, "%s is not in the trailer block at the end of the message", key)
			}
			return nil, malformed(i+1, "%s above the trailer block at the end of the message", key)
		}
	}
	if !hasDip(lines[start:end]) {
		return nil, ErrNoTrail
	}
	p := &parser{t: &Trail{}}
	for i := start; i < end; i++ {
		key, value, ok := trailerLine(lines[i])
		if !ok {
			if lines[i][0] == ' ' || lines[i][0] == '\t' {
				return nil, malformed(i+1, "a folded trailer value; dip writes every value on one line")
			}
			return nil, malformed(i+1, "%q in the trailer block is not a trailer", cut(lines[i], 80))
		}
		if !isDip(key) {
			continue
		}
		if err := p.line(key, value); err != nil {
			return nil, malformed(i+1, "%s: %v", key, err)
		}
	}
	if err := p.finish(); err != nil {
		return nil, malformed(0, "%v", err)
	}
	return p.t, nil
}

type parser struct {
	t                *Trail
	sources, bundles int
	renderers        int
	requestedBy      bool // the last pull request has its author
}

func (p *parser) line(key, value string) error {
	fields, err := splitFields(value)
	if err != nil {
		return err
	}
	want := func(n int) error {
		if len(fields) != n {
			return fmt.Errorf("%d fields, want %d", len(fields), n)
		}
		return nil
	}
	t := p.t
	switch canonical(key) {
	case KeySource:
		if err := want(1); err != nil {
			return err
		}
		if p.sources++; p.sources > 1 {
			return errors.New("repeated")
		}
		if !isHash(fields[0]) {
			return fmt.Errorf("%q is not a commit id", cut(fields[0], 80))
		}
		t.Source = fields[0]
	case KeyPullRequest:
		if err := want(2); err != nil {
			return err
		}
		n, err := strconv.Atoi(fields[0])
		if err != nil || n <= 0 || n > 1<<31-1 || fields[0][0] == '0' || fields[0][0] == '+' {
			return fmt.Errorf("%q is not a pull request number", cut(fields[0], 80))
		}
		t.Pulls = append(t.Pulls, Pull{Number: n, URL: fields[1]})
		p.requestedBy = false
	case KeyRequestedBy, KeyApprovedBy:
		if err := want(1); err != nil {
			return err
		}
		if len(t.Pulls) == 0 {
			return errors.New("before any " + KeyPullRequest)
		}
		pr := &t.Pulls[len(t.Pulls)-1]
		if canonical(key) == KeyApprovedBy {
			pr.Approvers = append(pr.Approvers, fields[0])
			break
		}
		if p.requestedBy {
			return fmt.Errorf("repeated for pull request %d", pr.Number)
		}
		p.requestedBy = true
		pr.Author = fields[0]
	case KeyBundle, KeyRenderer:
		if err := want(1); err != nil {
			return err
		}
		n, v := &p.bundles, &t.Bundle
		if canonical(key) == KeyRenderer {
			n, v = &p.renderers, &t.Renderer
		}
		if *n++; *n > 1 {
			return errors.New("repeated")
		}
		*v = fields[0]
	case KeyRequest:
		if err := want(1); err != nil {
			return err
		}
		if !repoPath(fields[0]) {
			return fmt.Errorf("%q is not a path in the repository", cut(fields[0], 80))
		}
		t.Requests = append(t.Requests, fields[0])
	case KeyException:
		if err := want(3); err != nil {
			return err
		}
		if !repoPath(fields[0]) {
			return fmt.Errorf("%q is not a path in the repository", cut(fields[0], 80))
		}
		if _, err := time.Parse(time.DateOnly, fields[2]); err != nil || len(fields[2]) != len(time.DateOnly) {
			return fmt.Errorf("expiry %q is not a date like 2026-12-31", cut(fields[2], 80))
		}
		t.Exceptions = append(t.Exceptions, Exception{Request: fields[0], Policy: fields[1], Expires: fields[2]})
	default:
		t.Unknown = append(t.Unknown, key)
	}
	return nil
}

func (p *parser) finish() error {
	switch {
	case p.sources == 0:
		return errors.New("no " + KeySource)
	case p.bundles == 0:
		return errors.New("no " + KeyBundle)
	}
	return nil
}

// known are the keys Parse reads, for matching keys without regard to
// case, as git does.
var known = []string{KeySource, KeyPullRequest, KeyRequestedBy, KeyApprovedBy, KeyBundle, KeyRenderer, KeyRequest, KeyException}

func canonical(key string) string {
	for _, k := range known {
		if strings.EqualFold(k, key) {
			return k
		}
	}
	return key
}

func isDip(key string) bool { return len(key) > 4 && strings.EqualFold(key[:4], "dip-") }

func hasDip(lines []string) bool {
	for _, l := range lines {
		if key, _, ok := trailerLine(l); ok && isDip(key) {
			return true
		}
	}
	return false
}

func blank(s string) bool { return strings.Trim(s, " \t\r") == "" }

// trailerLine splits "Key: value", where the key is letters, digits and
// dashes, as git's trailers are. Trailing white space is dropped.
func trailerLine(s string) (key, value string, ok bool) {
	i := strings.IndexByte(s, ':')
	if i <= 0 {
		return "", "", false
	}
	for _, c := range []byte(s[:i]) {
		if !(c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return "", "", false
		}
	}
	return s[:i], strings.Trim(s[i+1:], " \t\r"), true
}

// splitFields splits a value into fields separated by one space; a field
// starting with a double quote is a Go-quoted string.
func splitFields(v string) ([]string, error) {
	var out []string
	for v != "" {
		if v[0] == '"' {
			q, err := strconv.QuotedPrefix(v)
			if err != nil {
				return nil, fmt.Errorf("bad quoted field %s", cut(v, 80))
			}
			s, err := strconv.Unquote(q)
			if err != nil {
				return nil, fmt.Errorf("bad quoted field %s", cut(q, 80))
			}
			out = append(out, s)
			v = v[len(q):]
		} else {
			i := strings.IndexByte(v, ' ')
			if i < 0 {
				i = len(v)
			}
			out = append(out, v[:i])
			v = v[i:]
		}
		if v == "" {
			break
		}
		if v[0] != ' ' || len(v) == 1 || v[1] == ' ' {
			return nil, errors.New("fields must be separated by one space")
		}
		v = v[1:]
	}
	if len(out) == 0 {
		return nil, errors.New("no value")
	}
	return out, nil
}

// repoPath reports whether p can be a file's path in a git tree: relative,
// slash-separated, without empty, "." or ".." elements or NUL bytes. Git
// paths need not be UTF-8.
func repoPath(p string) bool {
	if p == "" || strings.IndexByte(p, 0) >= 0 {
		return false
	}
	for _, e := range strings.Split(p, "/") {
		if e == "" || e == "." || e == ".." {
			return false
		}
	}
	return true
}

func isHash(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// SourceOf returns the source commit a message's trail names; false for a
// message that has no readable trail.
func SourceOf(msg string) (plumbing.Hash, bool) {
	t, err := Parse(msg)
	if err != nil || len(t.Source) != 40 {
		return plumbing.ZeroHash, false
	}
	return plumbing.NewHash(t.Source), true
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return oneLine(s, n) + "…"
}
