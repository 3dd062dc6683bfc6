package webhook

import (
	"encoding/json"
	"unicode/utf8"
)

// A JSON reader for the hand-written decoder of slimPullRequestEvent, in
// github_decode.go. encoding/json checks the whole delivery for validity
// before decoding it, with a state machine called for every byte, then
// decodes through reflection: most of the receipt's CPU went there. The
// scanner reads the delivery once, still checking every byte it skips is
// valid JSON.
//
// Whatever the decoder handles, it handles as encoding/json.Unmarshal
// does: keys matched to fields ignoring case, the last of duplicate keys
// winning and merging into an object an earlier one allocated, null
// setting a pointer to nil. Anything else — invalid JSON, a value of the
// wrong type, an integer out of range, a key escaped or not ASCII, nesting
// deeper than maxDepth — makes it give up, and the caller asks
// encoding/json, whose answer, value or error, is then the answer.

// maxDepth bounds the nesting decode handles. GitHub nests five deep;
// deeper input is left to encoding/json, which allows 10,000.
const maxDepth = 128

// keyIs reports whether key, ASCII, matches name, lower-case ASCII, the
// way encoding/json matches keys to fields: ignoring case. No two fields
// of a slim type have names equal but for case, so which matches first
// does not matter.
func keyIs(key []byte, name string) bool {
	if len(key) != len(name) {
		return false
	}
	for i, c := range key {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != name[i] {
			return false
		}
	}
	return true
}

// object reads null, which sets *p to nil, or an object, decoded into *p
// (allocated if nil) by field, called with each key and s at its value.
func object[T any](s *scanner, p **T, field func(s *scanner, v *T, key []byte) bool) bool {
	if s.peek() == 'n' {
		return null(s, p)
	}
	v := alloc(p)
	return s.object(func(key []byte) bool { return field(s, v, key) })
}

// null reads null, which sets *p to nil.
func null[T any](s *scanner, p **T) bool {
	if !s.literal("null") {
		return false
	}
	*p = nil
	return true
}

// alloc returns *p, first set to a new T if nil: encoding/json decodes
// into what a pointer points to, when it points to something.
func alloc[T any](p **T) *T {
	if *p == nil {
		*p = new(T)
	}
	return *p
}

// scanner reads JSON from a byte slice. Its methods return false at
// anything they do not handle.
type scanner struct {
	b     []byte
	pos   int
	depth int // objects and arrays s is in
	// arrays has bit n set when the container skip is in at depth n is an
	// array, not an object.
	arrays [maxDepth/64 + 1]uint64
}

// ws skips whitespace.
func (s *scanner) ws() {
	for s.pos < len(s.b) {
		switch s.b[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek skips whitespace and returns the next byte, or 0 at the end, which
// is never valid where a byte is peeked.
func (s *scanner) peek() byte {
	s.ws()
	if s.pos < len(s.b) {
		return s.b[s.pos]
	}
	return 0
}

// literal reads lit: true, false or null.
func (s *scanner) literal(lit string) bool {
	if len(s.b)-s.pos < len(lit) || string(s.b[s.pos:s.pos+len(lit)]) != lit {
		return false
	}
	s.pos += len(lit)
	return true
}

// object reads an object, calling field with each key, unescaped ASCII,
// and s at its value, which field must read.
func (s *scanner) object(field func(key []byte) bool) bool {
	if s.peek() != '{' || !s.push(false) {
		return false
	}
	s.pos++
	if s.peek() == '}' {
		s.pos++
		s.depth--
		return true
	}
	for {
		key, escaped, nonASCII, ok := s.quoted()
		if !ok || escaped || nonASCII || s.peek() != ':' {
			return false
		}
		s.pos++
		if !field(key) {
			return false
		}
		switch s.peek() {
		case ',':
			s.pos++
		case '}':
			s.pos++
			s.depth--
			return true
		default:
			return false
		}
	}
}

// push enters a container, an array or an object.
func (s *scanner) push(array bool) bool {
	if s.depth >= maxDepth {
		return false
	}
	s.depth++
	word, bit := s.depth/64, uint64(1)<<(s.depth%64)
	if array {
		s.arrays[word] |= bit
	} else {
		s.arrays[word] &^= bit
	}
	return true
}

// plain is whether a byte stands for itself inside a JSON string and is
// ASCII.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// quoted reads a string, checking it is valid JSON, and returns what is
// between its quotes, and whether that holds an escape or a byte not
// ASCII.
func (s *scanner) quoted() (raw []byte, escaped, nonASCII, ok bool) {
	if s.peek() != '"' {
		return nil, false, false, false
	}
	b := s.b
	start := s.pos + 1
	for i := start; ; {
		for i < len(b) && plain[b[i]] {
			i++
		}
		if i >= len(b) {
			return nil, false, false, false
		}
		switch c := b[i]; {
		case c == '"':
			s.pos = i + 1
			return b[start:i], escaped, nonASCII, true
		case c == '\\':
			escaped = true
			if i+1 >= len(b) {
				return nil, false, false, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if len(b)-i < 6 || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					return nil, false, false, false
				}
				i += 6
			default:
				return nil, false, false, false
			}
		case c < 0x20:
			return nil, false, false, false
		default:
			nonASCII = true
			i++
		}
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// str reads a string or null into *p. A string escaped or not valid UTF-8
// is left to encoding/json, by itself, for its unescaping and its
// replacement of bad UTF-8.
func (s *scanner) str(p **string) bool {
	if s.peek() == 'n' {
		return null(s, p)
	}
	start := s.pos
	raw, escaped, nonASCII, ok := s.quoted()
	if !ok {
		return false
	}
	if !escaped && (!nonASCII || utf8.Valid(raw)) {
		*alloc(p) = string(raw)
		return true
	}
	var v string
	if json.Unmarshal(s.b[start:s.pos], &v) != nil {
		return false
	}
	*alloc(p) = v
	return true
}

// integerInto reads an integer in T's range, or null, into *p.
func integerInto[T int | int64](s *scanner, p **T, lo, hi int64) bool {
	if s.peek() == 'n' {
		return null(s, p)
	}
	n, ok := s.integer(lo, hi)
	if ok {
		*alloc(p) = T(n)
	}
	return ok
}

// integer reads a number written as an integer, between lo and hi.
// encoding/json refuses a fraction or an exponent for an integer field.
func (s *scanner) integer(lo, hi int64) (int64, bool) {
	b, i := s.b, s.pos
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	start := i
	var u uint64
	for i < len(b) && isDigit(b[i]) {
		if i-start == 19 { // more digits than any int64
			return 0, false
		}
		u = u*10 + uint64(b[i]-'0')
		i++
	}
	switch {
	case i == start,
		b[start] == '0' && i-start > 1,
		i < len(b) && (b[i] == '.' || b[i] == 'e' || b[i] == 'E'):
		return 0, false
	}
	var n int64
	switch {
	case !neg && u <= uint64(hi):
		n = int64(u)
	case neg && u <= uint64(-(lo+1))+1:
		n = int64(-u)
	default:
		return 0, false
	}
	s.pos = i
	return n, true
}

// bool reads true, false or null into *p.
func (s *scanner) bool(p **bool) bool {
	switch s.peek() {
	case 'n':
		return null(s, p)
	case 't':
		if !s.literal("true") {
			return false
		}
		*alloc(p) = true
	case 'f':
		if !s.literal("false") {
			return false
		}
		*alloc(p) = false
	default:
		return false
	}
	return true
}

// number reads a number, checking it is valid JSON.
func (s *scanner) number() bool {
	b, i := s.b, s.pos
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		start := i
		for i < len(b) && isDigit(b[i]) {
			i++
		}
		if i == start {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		start := i
		for i < len(b) && isDigit(b[i]) {
			i++
		}
		if i == start {
			return false
		}
	}
	s.pos = i
	return true
}

// skip reads a value of any kind, checking it is valid JSON. It keeps
// the containers it is in on s, not on the call stack.
func (s *scanner) skip() bool {
	base := s.depth
	for {
		// A value.
		switch c := s.peek(); {
		case c == '{':
			if !s.push(false) {
				return false
			}
			s.pos++
			if s.peek() == '}' {
				s.pos++
				s.depth--
				break
			}
			if !s.key() {
				return false
			}
			continue
		case c == '[':
			if !s.push(true) {
				return false
			}
			s.pos++
			if s.peek() == ']' {
				s.pos++
				s.depth--
				break
			}
			continue
		case c == '"':
			if _, _, _, ok := s.quoted(); !ok {
				return false
			}
		case c == 't':
			if !s.literal("true") {
				return false
			}
		case c == 'f':
			if !s.literal("false") {
				return false
			}
		case c == 'n':
			if !s.literal("null") {
				return false
			}
		case c == '-' || isDigit(c):
			if !s.number() {
				return false
			}
		default:
			return false
		}
		// After a value: leave the containers it ends, up to the next
		// value.
		for next := false; !next; {
			if s.depth == base {
				return true
			}
			c := s.peek()
			switch {
			case c == ',' && s.arrays[s.depth/64]&(1<<(s.depth%64)) != 0:
				s.pos++
				next = true
			case c == ',':
				s.pos++
				if !s.key() {
					return false
				}
				next = true
			case c == ']' && s.arrays[s.depth/64]&(1<<(s.depth%64)) != 0,
				c == '}' && s.arrays[s.depth/64]&(1<<(s.depth%64)) == 0:
				s.pos++
				s.depth--
			default:
				return false
			}
		}
	}
}

// key reads an object's key and the colon after it.
func (s *scanner) key() bool {
	if _, _, _, ok := s.quoted(); !ok || s.peek() != ':' {
		return false
	}
	s.pos++
	return true
}
