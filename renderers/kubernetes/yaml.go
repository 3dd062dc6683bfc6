package kubernetes

import (
	"bytes"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// emitYAML writes v, an object as encode has decoded and pruned it, the
// way yaml.v3 writes it with an indent of 2: keys in yaml.v3's order,
// scalars in the style yaml.v3 picks. yaml.v3 spends most of its time on
// an event queue and on per-scalar analysis; manifests need only block
// mappings and sequences of plain keys, so they are written directly here.
// A string that might not be plain is written by yaml.v3 itself, alone.
// emitYAML reports false for what it does not handle (a key that is not a
// plain ASCII string, a null, a sequence in a sequence, a scalar yaml.v3
// writes on more than one line); encode then uses yaml.v3 for the whole
// object.
func emitYAML(v any) ([]byte, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return nil, false
	}
	e := emitter{buf: make([]byte, 0, 2048)}
	if !e.mapping(m, 0, false) {
		return nil, false
	}
	return e.buf, true
}

type emitter struct {
	buf  []byte
	keys []string
}

func (e *emitter) indent(n int) {
	for range n {
		e.buf = append(e.buf, ' ')
	}
}

// mapping writes the entries of a non-empty m at column ind; with inline
// the first is written where the line already is (after "- ").
func (e *emitter) mapping(m map[string]any, ind int, inline bool) bool {
	start := len(e.keys)
	for k := range m {
		if !plainKey(k) {
			return false
		}
		e.keys = append(e.keys, k)
	}
	keys := e.keys[start:]
	defer func() { e.keys = e.keys[:start] }()
	if !sortKeys(keys) {
		return false
	}
	for i, k := range keys {
		if i > 0 || !inline {
			e.indent(ind)
		}
		e.buf = append(e.buf, k...)
		e.buf = append(e.buf, ':')
		if !e.value(m[k], ind) {
			return false
		}
	}
	return true
}

// value writes the value of a key at column ind, from just after the
// key's colon to the end of its last line.
func (e *emitter) value(v any, ind int) bool {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 0 {
			e.buf = append(e.buf, " {}\n"...)
			return true
		}
		e.buf = append(e.buf, '\n')
		return e.mapping(v, ind+2, false)
	case []any:
		if len(v) == 0 {
			e.buf = append(e.buf, " []\n"...)
			return true
		}
		e.buf = append(e.buf, '\n')
		return e.sequence(v, ind+2)
	}
	e.buf = append(e.buf, ' ')
	return e.scalar(v)
}

// sequence writes the items of a non-empty s at column ind.
func (e *emitter) sequence(s []any, ind int) bool {
	for _, item := range s {
		e.indent(ind)
		e.buf = append(e.buf, "- "...)
		switch item := item.(type) {
		case map[string]any:
			if len(item) == 0 {
				e.buf = append(e.buf, "{}\n"...)
				continue
			}
			if !e.mapping(item, ind+2, true) {
				return false
			}
		case []any:
			return false
		default:
			if !e.scalar(item) {
				return false
			}
		}
	}
	return true
}

// scalar writes a scalar and ends its line.
func (e *emitter) scalar(v any) bool {
	switch v := v.(type) {
	case string:
		switch plainStyle(v) {
		case stylePlain:
			e.buf = append(e.buf, v...)
		case styleSingleQuoted:
			e.buf = append(e.buf, '\'')
			for i := 0; i < len(v); i++ {
				if v[i] == '\'' {
					e.buf = append(e.buf, '\'')
				}
				e.buf = append(e.buf, v[i])
			}
			e.buf = append(e.buf, '\'')
		default:
			return e.alone(v)
		}
	case int64:
		e.buf = strconv.AppendInt(e.buf, v, 10)
	case bool:
		e.buf = strconv.AppendBool(e.buf, v)
	case float64:
		return e.alone(v)
	default:
		return false
	}
	e.buf = append(e.buf, '\n')
	return true
}

// alone writes a scalar as yaml.v3 writes it as a document of its own,
// which is how it writes it in a block mapping or sequence as long as it
// holds no line break of any kind (the Unicode ones are written as they
// are, then indented).
func (e *emitter) alone(v any) bool {
	if s, ok := v.(string); ok && strings.ContainsAny(s, "\r\n\u0085\u2028\u2029") {
		return false
	}
	out, err := yaml.Marshal(v)
	if err != nil || bytes.IndexByte(out, '\n') != len(out)-1 {
		return false
	}
	e.buf = append(e.buf, out...)
	return true
}

type scalarStyle int

const (
	styleOther scalarStyle = iota
	stylePlain
	styleSingleQuoted
)

// plainStyle returns the style yaml.v3 writes s in: plain, single-quoted,
// or styleOther when s is not printable ASCII or might read back as
// another type unquoted (a number, a bool, null, a timestamp).
func plainStyle(s string) scalarStyle {
	if s == "" {
		return styleOther
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return styleOther
		}
	}
	switch s[0] {
	case '+', '-', '.', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return styleOther
	case 'y', 'Y', 'n', 'N', 't', 'T', 'f', 'F', 'o', 'O', '~', '<':
		if notString[s] {
			return styleOther
		}
	}
	if blockPlainAllowed(s) {
		return stylePlain
	}
	return styleSingleQuoted
}

// notString holds the strings that start like a word and that yaml.v3
// reads as something else than a string (or quotes for YAML 1.1 readers,
// which would).
var notString = map[string]bool{
	"true": true, "True": true, "TRUE": true, "false": true, "False": true, "FALSE": true,
	"~": true, "null": true, "Null": true, "NULL": true, "<<": true,
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "on": true, "On": true, "ON": true,
	"n": true, "N": true, "no": true, "No": true, "NO": true, "off": true, "Off": true, "OFF": true,
}

// plainKey reports whether yaml.v3 writes the map key k as it is.
func plainKey(k string) bool {
	return len(k) <= 128 && plainStyle(k) == stylePlain
}

// blockPlainAllowed is yaml.v3's analysis of whether a printable ASCII
// string, without line breaks or tabs, can be a plain scalar in block
// context.
func blockPlainAllowed(s string) bool {
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	if len(s) >= 3 && (s[:3] == "---" || s[:3] == "...") {
		return false
	}
	// followedBySpace reports whether s[i] is last or followed by a blank.
	followedBySpace := func(i int) bool { return i+1 == len(s) || s[i+1] == ' ' }
	switch s[0] {
	case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	case '?', ':', '-':
		if followedBySpace(0) {
			return false
		}
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case ':':
			if followedBySpace(i) {
				return false
			}
		case '#':
			if s[i-1] == ' ' {
				return false
			}
		}
	}
	return true
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// sortKeys sorts keys in byte order, and reports whether that is
// certainly the order yaml.v3 gives them. yaml.v3 orders runs of digits by
// value and letters before other characters, so byte order is only
// trusted when no key has a digit and every two keys first differ in two
// letters, in two characters that are not letters, or where one ends.
// Otherwise the caller leaves the object to yaml.v3.
func sortKeys(keys []string) bool {
	for _, k := range keys {
		for i := 0; i < len(k); i++ {
			if isDigit(k[i]) {
				return false
			}
		}
	}
	slices.Sort(keys)
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			a, b := keys[i], keys[j]
			n := 0
			for n < len(a) && n < len(b) && a[n] == b[n] {
				n++
			}
			if n < len(a) && n < len(b) && isLetter(a[n]) != isLetter(b[n]) {
				return false
			}
		}
	}
	return true
}
