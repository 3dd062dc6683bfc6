package codemods

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/dipdev/dip/platform"
)

// editor collects the edits of one migration as replacements of byte
// ranges of the file, placed by the positions yaml.v3 gives the nodes, and
// applies them to the file's bytes: what no edit covers stays byte for
// byte as it was.
type editor struct {
	file  string
	src   []byte
	lines []int // lines[i] is the offset where line i+1 starts
	bom   int   // bytes of a byte-order mark before line 1
	edits []edit
	// aliased holds the nodes some alias of the document refers to.
	aliased map[*yaml.Node]bool
	// edited holds the mappings whose text was edited, so that a mapping
	// that two environments share through an alias is edited once.
	edited map[*yaml.Node]bool
	// indentless is whether the document writes block sequences at the
	// indentation of their key (key:\n- a) rather than below it.
	indentless bool
}

type edit struct {
	start, end int
	text       string
}

// unsafe is the error of an edit that cannot be made exactly: the request
// is left as it is and the problem reported at n.
type unsafe struct {
	n   *yaml.Node
	msg string
}

func (e *unsafe) Error() string { return e.msg }

func failAt(n *yaml.Node, format string, args ...any) error {
	return &unsafe{n: n, msg: fmt.Sprintf(format, args...)}
}

func newEditor(doc *platform.Document) *editor {
	e := &editor{file: doc.File, src: doc.Data, aliased: map[*yaml.Node]bool{}, edited: map[*yaml.Node]bool{}}
	if bytes.HasPrefix(e.src, []byte("\ufeff")) {
		e.bom = 3
	}
	e.lines = append(e.lines, 0)
	for i := 0; i < len(e.src); {
		if n := breakLen(e.src[i:]); n > 0 {
			i += n
			e.lines = append(e.lines, i)
			continue
		}
		i++
	}
	walk(doc.Root, func(n *yaml.Node) {
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			e.aliased[n.Alias] = true
		}
	})
	e.indentless = indentlessSequences(doc.Root)
	return e
}

// breakLen returns the length of the line break b starts with, or 0. The
// breaks are those yaml.v3 counts lines by: \r\n, \r, \n, NEL, LS and PS.
func breakLen(b []byte) int {
	switch {
	case len(b) == 0:
		return 0
	case b[0] == '\n':
		return 1
	case b[0] == '\r':
		if len(b) > 1 && b[1] == '\n' {
			return 2
		}
		return 1
	case bytes.HasPrefix(b, []byte("\u0085")):
		return 2
	case bytes.HasPrefix(b, []byte("\u2028")), bytes.HasPrefix(b, []byte("\u2029")):
		return 3
	}
	return 0
}

func walk(n *yaml.Node, f func(*yaml.Node)) {
	if n == nil {
		return
	}
	f(n)
	for _, c := range n.Content {
		walk(c, f)
	}
}

// indentlessSequences reports whether the first block sequence that is
// the value of a block mapping key starts at the key's column.
func indentlessSequences(root *yaml.Node) bool {
	found, indentless := false, false
	walk(root, func(n *yaml.Node) {
		if found || n.Kind != yaml.MappingNode || n.Style&yaml.FlowStyle != 0 {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			v := n.Content[i+1]
			if v.Kind == yaml.SequenceNode && v.Style&yaml.FlowStyle == 0 && v.Line > n.Content[i].Line {
				found, indentless = true, v.Column == n.Content[i].Column
				return
			}
		}
	})
	return indentless
}

// offset returns the byte offset of n's position.
func (e *editor) offset(n *yaml.Node) (int, error) {
	if n.Line < 1 || n.Line > len(e.lines) || n.Column < 1 {
		return 0, failAt(n, "a value at an unexpected position")
	}
	off := e.lines[n.Line-1]
	if n.Line == 1 {
		off += e.bom
	}
	end := e.lineEnd(off)
	for range n.Column - 1 {
		if off >= end {
			return 0, failAt(n, "a value at an unexpected position")
		}
		_, size := utf8.DecodeRune(e.src[off:])
		off += size
	}
	return off, nil
}

// lineEnd returns the offset of the line break ending the line that holds
// off, or the end of the file.
func (e *editor) lineEnd(off int) int {
	for i := off; i < len(e.src); i++ {
		if breakLen(e.src[i:]) > 0 {
			return i
		}
	}
	return len(e.src)
}

// lineStart returns the offset where the line holding off starts.
func (e *editor) lineStart(off int) int {
	i, _ := slices.BinarySearch(e.lines, off+1)
	return e.lines[i-1]
}

// lineBreak returns the line break that ends the line holding off, or
// the file's first one (\n in a file without any) for its last line.
func (e *editor) lineBreak(off int) string {
	end := e.lineEnd(off)
	if n := breakLen(e.src[end:]); n > 0 {
		return string(e.src[end : end+n])
	}
	for i := range e.src {
		if n := breakLen(e.src[i:]); n > 0 {
			return string(e.src[i : i+n])
		}
	}
	return "\n"
}

// span is where a scalar or alias node is written: from its first
// property (anchor, tag) or its text to the end of its text, on one line.
type span struct {
	start, text, end int
}

// scalar returns the span of a scalar or alias node written on one line
// in a style that can be edited exactly.
func (e *editor) scalar(n *yaml.Node) (span, error) {
	start, err := e.offset(n)
	if err != nil {
		return span{}, err
	}
	eol := e.lineEnd(start)
	i := start
	// Properties: an anchor and a tag, each followed by blanks.
	for i < eol && (e.src[i] == '&' || e.src[i] == '!') && n.Kind != yaml.AliasNode {
		for i < eol && e.src[i] != ' ' && e.src[i] != '\t' {
			i++
		}
		for i < eol && (e.src[i] == ' ' || e.src[i] == '\t') {
			i++
		}
	}
	s := span{start: start, text: i}
	switch {
	case n.Kind == yaml.AliasNode:
		want := "*" + n.Value
		if !bytes.HasPrefix(e.src[i:eol], []byte(want)) {
			return span{}, failAt(n, "an alias written in a way that cannot be edited exactly")
		}
		s.end = i + len(want)
	case n.Kind != yaml.ScalarNode:
		return span{}, failAt(n, "a %s where a single value is expected", kindName(n))
	case n.Style&yaml.DoubleQuotedStyle != 0 || n.Style&yaml.SingleQuotedStyle != 0:
		if i >= eol || (e.src[i] != '"' && e.src[i] != '\'') {
			return span{}, failAt(n, "a quoted value written in a way that cannot be edited exactly")
		}
		q := e.src[i]
		j := i + 1
		for ; j < eol; j++ {
			switch {
			case q == '"' && e.src[j] == '\\':
				j++
			case q == '\'' && e.src[j] == '\'' && j+1 < eol && e.src[j+1] == '\'':
				j++
			case e.src[j] == q:
				s.end = j + 1
				return s, nil
			}
		}
		return span{}, failAt(n, "a quoted value that runs over several lines")
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return span{}, failAt(n, "a block scalar (| or >) where a single-line value is expected")
	default:
		if !bytes.HasPrefix(e.src[i:eol], []byte(n.Value)) || n.Value == "" {
			return span{}, failAt(n, "a value that runs over several lines or is written in a way that cannot be edited exactly")
		}
		s.end = i + len(n.Value)
		if s.end < eol && !bytes.ContainsRune([]byte(" \t,]}:"), rune(e.src[s.end])) {
			return span{}, failAt(n, "a value written in a way that cannot be edited exactly")
		}
	}
	return s, nil
}

// replace records that src[start:end] becomes text.
func (e *editor) replace(start, end int, text string) {
	e.edits = append(e.edits, edit{start, end, text})
}

// apply returns the file with every edit made, or an error when two
// edits overlap.
func (e *editor) apply() ([]byte, error) {
	slices.SortStableFunc(e.edits, func(a, b edit) int { return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.end, b.end)) })
	var out bytes.Buffer
	out.Grow(len(e.src) + 256)
	at := 0
	for _, ed := range e.edits {
		if ed.start < at || ed.end < ed.start || ed.end > len(e.src) {
			return nil, fmt.Errorf("edits of the same text overlap")
		}
		out.Write(e.src[at:ed.start])
		out.WriteString(ed.text)
		at = ed.end
	}
	out.Write(e.src[at:])
	return out.Bytes(), nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "alias"
	}
	return "value"
}
