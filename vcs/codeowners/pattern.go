package codeowners

import (
	"errors"
	"regexp"
	"strings"
)

// maxPattern bounds a pattern's length; regexp compiles in time linear in
// it and matches in time linear in the path.
const maxPattern = 4096

// compile turns a pattern, escapes kept, into a regular expression over
// slash-separated paths from the root.
func compile(p string) (*regexp.Regexp, error) {
	if len(p) > maxPattern {
		return nil, errors.New("pattern too long")
	}
	anchored := strings.HasPrefix(p, "/")
	p = strings.TrimPrefix(p, "/")
	dirOnly := strings.HasSuffix(p, "/") && !strings.HasSuffix(p, `\/`)
	p = strings.TrimSuffix(p, "/")
	if p == "" {
		return nil, errors.New("empty pattern")
	}
	segs := strings.Split(p, "/")
	if len(segs) > 1 {
		anchored = true
	}
	for _, s := range segs {
		if s == "" {
			return nil, errors.New("empty path element in pattern")
		}
	}
	// An anchored pattern ending in * owns the directory's files, not its
	// subdirectories' (GitHub's docs/*, and /* the root's files).
	childrenOnly := anchored && segs[len(segs)-1] == "*"

	var b strings.Builder
	b.WriteString("^")
	if !anchored {
		b.WriteString("(?:.*/)?")
	}
	for i, s := range segs {
		last := i == len(segs)-1
		if s == "**" {
			switch {
			case last && i == 0:
				b.WriteString(".*")
			case last:
				// a/** : everything below a.
				b.WriteString(".+")
			default:
				// **/ at the start, /**/ in the middle: any directories.
				b.WriteString("(?:.*/)?")
			}
			continue
		}
		glob(&b, s)
		if !last {
			b.WriteString("/")
		}
	}
	switch {
	case segs[len(segs)-1] == "**", childrenOnly:
		b.WriteString("$")
	case dirOnly:
		b.WriteString("/.*$")
	default:
		b.WriteString("(?:/.*)?$")
	}
	return regexp.Compile(b.String())
}

// glob writes one path element of a pattern: * and ? within the element,
// a backslash escaping the next character, everything else literal.
func glob(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteString(regexp.QuoteMeta(s[i : i+1]))
		case c == '*':
			// Runs of stars within an element are one star.
			for i+1 < len(s) && s[i+1] == '*' {
				i++
			}
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(s[i : i+1]))
		}
	}
}
