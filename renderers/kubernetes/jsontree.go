package kubernetes

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// decodeJSON decodes the output of json.Marshal into maps, slices,
// strings, bools, nils, and int64 or float64 numbers: what
// json.Decoder.Decode with UseNumber and numbers give, without the
// reflection. It is not a general JSON parser: it accepts no whitespace
// (json.Marshal writes none), and an escaped string is left to
// encoding/json. It reports an error for anything else.
func decodeJSON(b []byte) (any, error) {
	d := jsonDecoder{b: b}
	v, err := d.value()
	if err == nil && d.i != len(b) {
		err = d.fail()
	}
	return v, err
}

type jsonDecoder struct {
	b []byte
	i int
}

func (d *jsonDecoder) fail() error { return fmt.Errorf("unexpected JSON at offset %d", d.i) }

func (d *jsonDecoder) value() (any, error) {
	if d.i >= len(d.b) {
		return nil, d.fail()
	}
	switch c := d.b[d.i]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		return d.str()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	}
	return nil, d.fail()
}

func (d *jsonDecoder) literal(word string) error {
	if len(d.b)-d.i < len(word) || string(d.b[d.i:d.i+len(word)]) != word {
		return d.fail()
	}
	d.i += len(word)
	return nil
}

func (d *jsonDecoder) object() (any, error) {
	d.i++ // {
	m := map[string]any{}
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return m, nil
	}
	for {
		if d.i >= len(d.b) || d.b[d.i] != '"' {
			return nil, d.fail()
		}
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return nil, d.fail()
		}
		d.i++
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		m[k] = v
		if d.i >= len(d.b) {
			return nil, d.fail()
		}
		switch d.b[d.i] {
		case ',':
			d.i++
		case '}':
			d.i++
			return m, nil
		default:
			return nil, d.fail()
		}
	}
}

func (d *jsonDecoder) array() (any, error) {
	d.i++ // [
	s := []any{}
	if d.i < len(d.b) && d.b[d.i] == ']' {
		d.i++
		return s, nil
	}
	for {
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		s = append(s, v)
		if d.i >= len(d.b) {
			return nil, d.fail()
		}
		switch d.b[d.i] {
		case ',':
			d.i++
		case ']':
			d.i++
			return s, nil
		default:
			return nil, d.fail()
		}
	}
}

// str decodes a string; one with an escape or invalid UTF-8 (which
// encoding/json replaces) goes to encoding/json.
func (d *jsonDecoder) str() (string, error) {
	start := d.i
	escaped := false
	for d.i++; d.i < len(d.b); d.i++ {
		switch d.b[d.i] {
		case '\\':
			escaped = true
			d.i++
		case '"':
			d.i++
			if raw := d.b[start+1 : d.i-1]; !escaped && utf8.Valid(raw) {
				return string(raw), nil
			}
			var s string
			if err := json.Unmarshal(d.b[start:d.i], &s); err != nil {
				return "", err
			}
			return s, nil
		}
	}
	return "", d.fail()
}

// number decodes an integer as int64 and anything else as float64.
func (d *jsonDecoder) number() (any, error) {
	start := d.i
	integer := true
	for ; d.i < len(d.b); d.i++ {
		c := d.b[d.i]
		if c == '.' || c == 'e' || c == 'E' || c == '+' {
			integer = false
		} else if c != '-' && (c < '0' || c > '9') {
			break
		}
	}
	text := string(d.b[start:d.i])
	if integer {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return n, nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return nil, d.fail()
	}
	return f, nil
}
