package codemods

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Mapping is one mapping of a request being migrated: its spec, or the
// partial spec of one environment's overrides. A codemod changes it only
// through its methods. Each edits the file's text where the mapping's
// entries are written and, alike, the value the migrated request must
// have, which the migration then checks the edited file against.
type Mapping struct {
	e    *editor
	node *yaml.Node
	// key is the key whose value the mapping is: spec, or the
	// environment's name in overrides.
	key *yaml.Node
	// value is what the mapping must hold once migrated.
	value map[string]any
	path  string
	// shared is set when the mapping's text was already edited on
	// another path to it (overrides that share it through an alias): only
	// its value is changed then.
	shared bool
}

// Path is where the mapping is in the request, such as spec or
// spec.overrides.production.
func (m *Mapping) Path() string { return m.path }

// Value returns the value of key as the request holds it before the
// migration, and whether the mapping has the key.
func (m *Mapping) Value(key string) (any, bool) {
	v, ok := m.value[key]
	return v, ok
}

// Errorf returns an error that stops the migration of the request,
// reported at key (or at the mapping when it lacks key).
func (m *Mapping) Errorf(key, format string, args ...any) error {
	n := m.key
	if k, _ := m.entry(key); k != nil {
		n = k
	}
	return failAt(n, "%s.%s: %s", m.path, key, fmt.Sprintf(format, args...))
}

func (m *Mapping) flow() bool { return m.node.Style&yaml.FlowStyle != 0 }

func (m *Mapping) entry(key string) (k, v *yaml.Node) {
	for i := 0; i+1 < len(m.node.Content); i += 2 {
		if m.node.Content[i].Value == key {
			return m.node.Content[i], m.node.Content[i+1]
		}
	}
	return nil, nil
}

func (m *Mapping) has(key string) bool { k, _ := m.entry(key); return k != nil }

// Rename renames the field key to name (or keeps its name when name is
// key). convert, when not nil, also turns
// its value (a single value, neither an alias nor one that an alias
// refers to) into the new one.
func (m *Mapping) Rename(key, name string, convert func(any) (any, error)) error {
	k, v := m.entry(key)
	if k == nil {
		return nil
	}
	if name != key && m.has(name) {
		return m.Errorf(key, "the mapping already has %s", name)
	}
	newValue := m.value[key]
	if convert != nil {
		var err error
		if newValue, err = convert(newValue); err != nil {
			return m.Errorf(key, "%v", err)
		}
		switch {
		case v.Kind == yaml.AliasNode:
			return m.Errorf(key, "its value is an alias (*%s); write the value out", v.Value)
		case m.e.aliased[v]:
			return m.Errorf(key, "its value is the anchor &%s, which an alias refers to; write the values out", v.Anchor)
		}
	}
	if !m.shared {
		ks, err := m.e.scalar(k)
		if err != nil {
			return err
		}
		m.e.replace(ks.text, ks.end, render(name, k.Style))
		if convert != nil {
			vs, err := m.e.scalar(v)
			if err != nil {
				return err
			}
			m.e.replace(vs.text, vs.end, render(newValue, v.Style))
		}
	}
	delete(m.value, key)
	m.value[name] = newValue
	return nil
}

// Move names a field that Nest moves under a new parent, and its name
// there.
type Move struct{ Key, As string }

// Nest moves the fields of moves that the mapping has into a new mapping
// parent, under their new names, in the order they are written, at the
// place of the first of them. Their values must be single values written
// on their key's line.
func (m *Mapping) Nest(parent string, moves ...Move) error {
	type moved struct {
		Move
		k, v *yaml.Node
	}
	var present []moved
	for _, mv := range moves {
		if k, v := m.entry(mv.Key); k != nil {
			present = append(present, moved{mv, k, v})
		}
	}
	if len(present) == 0 {
		return nil
	}
	if m.has(parent) {
		return m.Errorf(parent, "the mapping already has %s beside %s", parent, present[0].Key)
	}
	slices.SortFunc(present, func(a, b moved) int { return compareNodes(a.k, b.k) })
	nested := map[string]any{}
	for _, p := range present {
		nested[p.As] = m.value[p.Key]
		delete(m.value, p.Key)
	}
	m.value[parent] = nested
	if m.shared {
		return nil
	}
	type text struct{ key, sep, value span }
	texts := make([]text, len(present))
	for i, p := range present {
		if p.v.Line != p.k.Line && !m.flow() {
			return m.Errorf(p.Key, "its value is not on the line of its key")
		}
		ks, sep, vs, err := m.pair(p.k, p.v)
		if err != nil {
			return err
		}
		texts[i] = text{ks, sep, vs}
	}
	e := m.e
	src := func(s span) string { return string(e.src[s.start:s.end]) }
	first := texts[0]
	if m.flow() {
		parts := make([]string, len(present))
		for i, p := range present {
			parts[i] = p.As + ": " + src(texts[i].value)
		}
		e.replace(first.key.start, first.value.end, parent+": {"+strings.Join(parts, ", ")+"}")
		for i, t := range texts[1:] {
			comma, err := m.commaBefore(t.key.start, present[i+1].k)
			if err != nil {
				return err
			}
			e.replace(comma, t.value.end, "")
		}
		return nil
	}
	indent, err := m.indent(first.key.start)
	if err != nil {
		return err
	}
	nl := e.lineBreak(first.key.start)
	child := indent + m.step()
	e.replace(first.key.start, first.value.end,
		parent+":"+nl+child+present[0].As+sepText(e, first.sep)+src(first.value))
	var ins strings.Builder
	for i, t := range texts[1:] {
		if _, err := m.indent(t.key.start); err != nil {
			return err
		}
		eol := e.lineEnd(t.value.end)
		from, comments := m.leadingComments(e.lineStart(t.key.start), e.lineStart(first.key.start))
		to := eol + breakLen(e.src[eol:])
		if to == len(e.src) && eol == to && from > 0 {
			from = e.lineEnd(from - 1) // the last line: take the break before it
		}
		e.replace(from, to, "")
		for _, c := range comments {
			if c == "" {
				ins.WriteString(nl)
			} else {
				ins.WriteString(nl + child + c)
			}
		}
		ins.WriteString(nl + child + present[i+1].As + sepText(e, t.sep) + src(t.value) + string(e.src[t.value.end:eol]))
	}
	at := e.lineEnd(first.value.end)
	e.replace(at, at, ins.String())
	return nil
}

// leadingComments returns the comment lines right above the line that
// starts at line, which move with the entry there, and where the first of
// them starts. When only comments and blank lines separate the entry from
// the line starting at first, the first entry of the move, the blank lines
// move too (as "") and the layout between the two stays as it was.
func (m *Mapping) leadingComments(line, first int) (int, []string) {
	e := m.e
	type above struct {
		start int
		text  string
	}
	var lines []above
	texts := func(ls []above) []string {
		out := make([]string, len(ls))
		for i, l := range ls {
			out[i] = l.text
		}
		return out
	}
	for at := line; at > 0; {
		prev := e.lineStart(at - 1)
		text := string(bytes.Trim(e.src[prev:e.lineEnd(prev)], " \t"))
		if text != "" && text[0] != '#' {
			if prev == first && len(lines) > 0 {
				return lines[0].start, texts(lines)
			}
			break
		}
		lines = append([]above{{prev, text}}, lines...)
		at = prev
	}
	// Apart from the first entry: only the comments directly above move,
	// not what a blank line sets apart.
	i := len(lines)
	for i > 0 && lines[i-1].text != "" {
		i--
	}
	if i == len(lines) {
		return line, nil
	}
	return lines[i].start, texts(lines[i:])
}

// Field is a field of a fixed value, such as name: http.
type Field struct {
	Key   string
	Value any
}

// Listed turns the field key into name, a list of one mapping that holds
// the fields of fixed and then key's value as the field as. key's value
// must be a single value written on its line.
func (m *Mapping) Listed(key, name string, fixed []Field, as string) error {
	k, v := m.entry(key)
	if k == nil {
		return nil
	}
	if m.has(name) {
		return m.Errorf(key, "the mapping already has %s", name)
	}
	item := map[string]any{as: m.value[key]}
	for _, f := range fixed {
		item[f.Key] = f.Value
	}
	delete(m.value, key)
	m.value[name] = []any{item}
	if m.shared {
		return nil
	}
	if v.Line != k.Line && !m.flow() {
		return m.Errorf(key, "its value is not on the line of its key")
	}
	ks, sep, vs, err := m.pair(k, v)
	if err != nil {
		return err
	}
	e := m.e
	value := string(e.src[vs.start:vs.end])
	if m.flow() {
		var parts []string
		for _, f := range fixed {
			parts = append(parts, f.Key+": "+render(f.Value, 0))
		}
		parts = append(parts, as+": "+value)
		e.replace(ks.start, vs.end, name+": [{"+strings.Join(parts, ", ")+"}]")
		return nil
	}
	indent, err := m.indent(ks.start)
	if err != nil {
		return err
	}
	nl := e.lineBreak(ks.start)
	seq := indent
	if !e.indentless {
		seq += m.step()
	}
	var b strings.Builder
	b.WriteString(name + ":")
	for i, f := range fixed {
		lead := seq + "  "
		if i == 0 {
			lead = seq + "- "
		}
		b.WriteString(nl + lead + f.Key + ": " + render(f.Value, 0))
	}
	lead := seq + "  "
	if len(fixed) == 0 {
		lead = seq + "- "
	}
	b.WriteString(nl + lead + as + sepText(e, sep) + value)
	e.replace(ks.start, vs.end, b.String())
	return nil
}

// pair returns the spans of an entry's key and single value, and of what
// is between them.
func (m *Mapping) pair(k, v *yaml.Node) (key, sep, value span, err error) {
	if key, err = m.e.scalar(k); err != nil {
		return
	}
	if key.text != key.start {
		err = m.Errorf(k.Value, "its key has an anchor or a tag")
		return
	}
	if v.Kind != yaml.ScalarNode && v.Kind != yaml.AliasNode {
		err = m.Errorf(k.Value, "its value is a %s, not a single value", kindName(v))
		return
	}
	if value, err = m.e.scalar(v); err != nil {
		return
	}
	between := m.e.src[key.end:value.start]
	if bytes.Count(between, []byte(":")) != 1 || len(bytes.Trim(between, ": \t\r\n")) > 0 {
		err = m.Errorf(k.Value, "something other than blanks between the key and its value")
		return
	}
	sep = span{start: key.end, text: key.end, end: value.start}
	return
}

// sepText is the text between a key and its value: as written when on one
// line, else ": ".
func sepText(e *editor, s span) string {
	t := e.src[s.start:s.end]
	if bytes.ContainsAny(t, "\r\n") || breakLen(t) > 0 {
		return ": "
	}
	return string(t)
}

// indent returns the blanks before off, the start of a key of a block
// mapping, and fails when something else precedes it on its line.
func (m *Mapping) indent(off int) (string, error) {
	before := m.e.src[m.e.lineStart(off):off]
	if len(bytes.Trim(before, " ")) > 0 {
		return "", failAt(m.key, "%s: an entry that does not start its line", m.path)
	}
	return string(before), nil
}

// step is how much deeper than its parent key the document indents a
// mapping: the mapping's own indentation against its key's.
func (m *Mapping) step() string {
	n := 2
	if len(m.node.Content) > 0 && m.key != nil {
		if d := m.node.Content[0].Column - m.key.Column; d > 0 && d <= 8 && m.node.Content[0].Line > m.key.Line {
			n = d
		}
	}
	return strings.Repeat(" ", n)
}

// commaBefore returns the offset of the comma that separates the flow
// mapping entry of key k, starting at off, from the one before, with
// nothing but blanks between.
func (m *Mapping) commaBefore(off int, k *yaml.Node) (int, error) {
	for i := off - 1; i >= 0; i-- {
		switch m.e.src[i] {
		case ' ', '\t', '\r', '\n':
			continue
		case ',':
			return i, nil
		}
		break
	}
	return 0, failAt(k, "%s.%s: a comment or other text before it in a flow mapping", m.path, k.Value)
}

func compareNodes(a, b *yaml.Node) int {
	if a.Line != b.Line {
		return a.Line - b.Line
	}
	return a.Column - b.Column
}
