// Package codeowners reads CODEOWNERS files as GitHub and GitLab do and
// tells who owns a path. It is pure: the caller reads the file.
//
// Patterns follow gitignore's rules as both hosts use them: a pattern with
// a slash at its start or in its middle is anchored at the repository's
// root, any other matches at any depth; a trailing slash matches
// directories only; a pattern matching a directory owns everything below
// it, except an anchored pattern ending in * (docs/*, /*), which owns only
// the directory's own files; * and ? never match a slash; **/ at the start, /**/ in the middle
// and /** at the end span directories. Character ranges are not patterns
// on either host, so [ and ] match themselves. A backslash escapes the
// next character (\# for a name starting with #, "\ " for a space).
// Comments start with # at the start of a line or after a space.
//
// The last matching rule decides. On GitLab, [Section] headers (also
// ^[Optional] and [Section][2], with default owners after them) split the
// file into sections judged on their own, the owners of each section's
// last matching rule adding up; a rule without owners takes its section's
// defaults, and a rule starting with ! leaves the paths it matches without
// owners in its section. GitHub has no sections and no ! rules: there, a
// line starting with ! or [ is skipped, as GitHub skips a line it cannot
// read.
package codeowners

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/dipdev/dip/vcs"
)

// MaxSize is the largest file read: GitHub ignores a CODEOWNERS file over
// 3 MB.
const MaxSize = 3 << 20

// Locations are the places host reads a CODEOWNERS file from, in the
// order it looks: the first that exists is the only one used.
func Locations(host vcs.Host) []string {
	if host == vcs.GitLab {
		return []string{"CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"}
	}
	return []string{".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"}
}

// File is a parsed CODEOWNERS file.
type File struct {
	sections []*section
	// Problems are the lines skipped, as the host skips them.
	Problems []Problem
}

// Problem is a line of the file that was skipped, and why.
type Problem struct {
	Line    int
	Message string
}

func (p Problem) String() string { return fmt.Sprintf("line %d: %s", p.Line, p.Message) }

type section struct {
	name  string
	rules []rule
}

type rule struct {
	line   int
	re     *regexp.Regexp
	owners []string
	negate bool
}

// Parse reads a CODEOWNERS file of host (vcs.GitLab reads sections and !
// rules). Lines it cannot read are skipped and listed in Problems; only a
// file over MaxSize is an error.
func Parse(data []byte, host vcs.Host) (*File, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("CODEOWNERS is %d bytes, more than the %d the host reads", len(data), MaxSize)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	f := &File{}
	cur := &section{}
	f.sections = append(f.sections, cur)
	byName := map[string]*section{}
	var defaults []string
	for i, raw := range bytes.Split(data, []byte("\n")) {
		n := i + 1
		line := strings.TrimRight(string(raw), "\r")
		if !utf8.ValidString(line) {
			f.problem(n, "not UTF-8")
			continue
		}
		fields := tokens(line)
		if len(fields) == 0 {
			continue
		}
		head := fields[0]
		if name, rest, ok := sectionHeader(line); ok {
			if host != vcs.GitLab {
				f.problem(n, "sections are GitLab's; GitHub skips this line")
				continue
			}
			owners, bad := ownersOf(tokens(rest))
			if bad != "" {
				f.problem(n, fmt.Sprintf("%q is not an owner", bad))
				owners = nil
			}
			key := strings.ToLower(name)
			if s, ok := byName[key]; ok {
				cur = s
			} else {
				cur = &section{name: name}
				byName[key] = cur
				f.sections = append(f.sections, cur)
			}
			defaults = owners
			continue
		}
		r := rule{line: n}
		if strings.HasPrefix(head.text, "!") && !head.escaped {
			if host != vcs.GitLab {
				f.problem(n, "! is not a pattern on GitHub")
				continue
			}
			r.negate = true
			head.text = head.text[1:]
		}
		re, err := compile(head.text)
		if err != nil {
			f.problem(n, err.Error())
			continue
		}
		r.re = re
		owners, bad := ownersOf(fields[1:])
		if bad != "" {
			f.problem(n, fmt.Sprintf("%q is not an owner", bad))
			continue
		}
		if len(owners) == 0 && !r.negate {
			owners = defaults
		}
		if !r.negate {
			r.owners = owners
		}
		cur.rules = append(cur.rules, r)
	}
	return f, nil
}

func (f *File) problem(line int, msg string) {
	f.Problems = append(f.Problems, Problem{Line: line, Message: msg})
}

// Owners returns the owners of the file at path (slash-separated, from the
// repository's root), as written, each once, in the order of the file.
func (f *File) Owners(path string) []string {
	path = strings.TrimPrefix(path, "/")
	var out []string
	seen := map[string]bool{}
	for _, s := range f.sections {
		for i := len(s.rules) - 1; i >= 0; i-- {
			r := s.rules[i]
			if !r.re.MatchString(path) {
				continue
			}
			for _, o := range r.owners {
				if k := strings.ToLower(o); !seen[k] {
					seen[k] = true
					out = append(out, o)
				}
			}
			break
		}
	}
	return out
}

// token is one whitespace-separated field of a line, with its escapes
// undone in text; pattern keeps them for compile.
type token struct {
	text    string
	escaped bool // the field starts with a backslash
}

// tokens splits line on unescaped spaces and tabs, up to a comment.
func tokens(line string) []token {
	var out []token
	var b strings.Builder
	escapedStart, in := false, false
	flush := func() {
		if in {
			out = append(out, token{text: b.String(), escaped: escapedStart})
		}
		b.Reset()
		in, escapedStart = false, false
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\' && i+1 < len(line):
			if !in {
				escapedStart = true
			}
			in = true
			// Keep the escape: compile needs to know the character was
			// escaped (\* is a star, not a wildcard).
			b.WriteByte(c)
			b.WriteByte(line[i+1])
			i++
		case c == ' ' || c == '\t':
			flush()
		case c == '#' && !in:
			flush()
			return out
		default:
			in = true
			b.WriteByte(c)
		}
	}
	flush()
	return out
}

// sectionHeader recognises GitLab's [Name], ^[Name] and [Name][2], and
// returns the name and what follows the header.
func sectionHeader(line string) (name, rest string, ok bool) {
	s := strings.TrimLeft(line, " \t")
	s = strings.TrimPrefix(s, "^")
	if !strings.HasPrefix(s, "[") {
		return "", "", false
	}
	end := strings.IndexByte(s, ']')
	if end < 2 {
		return "", "", false
	}
	name, rest = strings.TrimSpace(s[1:end]), s[end+1:]
	if strings.HasPrefix(rest, "[") {
		close := strings.IndexByte(rest, ']')
		if close < 0 {
			return "", "", false
		}
		rest = rest[close+1:]
	}
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return "", "", false
	}
	return name, rest, name != ""
}

var (
	userOrTeam = regexp.MustCompile(`^@[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$`)
	role       = regexp.MustCompile(`^@@[a-z]+$`)
	email      = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// ownersOf returns the owners of a line's fields, or the first field that
// is not an owner.
func ownersOf(fields []token) ([]string, string) {
	var out []string
	for _, f := range fields {
		o := unescape(f.text)
		if !userOrTeam.MatchString(o) && !role.MatchString(o) && !email.MatchString(o) {
			return nil, o
		}
		out = append(out, o)
	}
	return out, ""
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
