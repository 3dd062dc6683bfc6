package scan

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/zricethezav/gitleaks/v8/report"
	"go.yaml.in/yaml/v3"
)

// lineIndex maps byte offsets of a text to lines and columns.
type lineIndex struct {
	text   string
	starts []int // byte offset of the start of each line
}

func newLineIndex(text string) lineIndex {
	starts := []int{0}
	for i := range len(text) {
		if text[i] == '\n' {
			starts = append(starts, i+1)
		}
	}
	return lineIndex{text: text, starts: starts}
}

// lineEnd returns the offset of the newline ending line i (from 0), or the
// text's length.
func (x lineIndex) lineEnd(i int) int {
	if i+1 < len(x.starts) {
		return x.starts[i+1] - 1
	}
	return len(x.text)
}

// position returns the line and column, both from 1, of byte offset off.
// Columns count characters, as YAML positions elsewhere in dip do.
func (x lineIndex) position(off int) (line, col int) {
	off = max(0, min(off, len(x.text)))
	i := sort.SearchInts(x.starts, off+1) - 1
	return i + 1, utf8.RuneCountInString(x.text[x.starts[i]:off]) + 1
}

// secretOffset returns the byte offset in text where the finding's secret
// starts.
//
// gitleaks reports the line from 0 and the column of the start of the whole
// match, from 1 on the first line but counting the previous line's newline
// on every later line. The match is looked for where that says, then
// anywhere on the line, and the secret within the match; a secret found
// only after decoding points at the encoded text, so there gitleaks'
// column is all there is.
func secretOffset(text string, x lineIndex, fd report.Finding) int {
	if fd.StartLine < 0 || fd.StartLine >= len(x.starts) {
		return 0
	}
	start, end := x.starts[fd.StartLine], x.lineEnd(fd.StartLine)
	guess := start + fd.StartColumn - 2
	if fd.StartLine == 0 {
		guess++
	}
	guess = max(start, min(guess, end))
	if fd.Match == "" {
		return guess
	}
	match := -1
	for _, c := range []int{guess, guess + 1, guess - 1} {
		if c >= 0 && strings.HasPrefix(text[c:], fd.Match) {
			match = c
			break
		}
	}
	if match < 0 {
		if i := strings.Index(text[start:], fd.Match); i >= 0 {
			match = start + i
		}
	}
	if match < 0 {
		return guess
	}
	if i := strings.Index(fd.Match, fd.Secret); fd.Secret != "" && i >= 0 {
		return match + i
	}
	return match
}

// fieldAt returns the dotted path of the field whose value holds the
// position, such as spec.env.API_TOKEN, or "" when the position is not
// plainly inside one value (a comment, say, or a document that does not
// parse).
func fieldAt(n *yaml.Node, line, col int) string {
	var path []string
	before := func(m *yaml.Node) bool {
		return m.Line < line || m.Line == line && m.Column <= col
	}
	for {
		switch n.Kind {
		case yaml.DocumentNode:
			if len(n.Content) == 0 {
				return ""
			}
			n = n.Content[0]
		case yaml.MappingNode:
			var next *yaml.Node
			base := len(path)
			for i := 0; i+1 < len(n.Content) && before(n.Content[i]); i += 2 {
				next = n.Content[i+1]
				path = append(path[:base], n.Content[i].Value)
			}
			if next == nil {
				return ""
			}
			n = next
		case yaml.SequenceNode:
			item := -1
			for i := 0; i < len(n.Content) && before(n.Content[i]); i++ {
				item = i
			}
			if item < 0 {
				return ""
			}
			path = append(path, strconv.Itoa(item))
			n = n.Content[item]
		case yaml.ScalarNode:
			block := n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0
			if n.Line == line || block && line > n.Line {
				return strings.Join(path, ".")
			}
			return ""
		default:
			return ""
		}
	}
}
