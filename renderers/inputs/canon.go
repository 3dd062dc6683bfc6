package inputs

import (
	"bytes"
	"encoding/binary"
	"math"
	"reflect"
	"slices"
	"strconv"
)

// maxDepth bounds the nesting canon follows; a value nested deeper (or a
// cycle of pointers) cannot be digested.
const maxDepth = 64

// canon writes values as bytes that tell any two different values apart:
// every item is tagged and every string, list and map is preceded by its
// length. Values are read through reflection, every field of every struct,
// exported or not, so that a field added to a spec type is digested
// without anyone having to list it. Nil and empty lists and maps differ,
// and so do nil and non-nil pointers. ok turns false on what it cannot
// digest faithfully (functions, channels, unsafe pointers, deeper nesting
// than maxDepth); the caller then knows nothing.
type canon struct {
	buf []byte
	ok  bool
}

func newCanon() *canon { return &canon{ok: true} }

func (c *canon) tag(t byte) { c.buf = append(c.buf, t) }

func (c *canon) uint(u uint64) { c.buf = binary.AppendUvarint(c.buf, u) }

func (c *canon) str(s string) {
	c.tag('s')
	c.uint(uint64(len(s)))
	c.buf = append(c.buf, s...)
}

func (c *canon) bool(b bool) {
	if b {
		c.tag('T')
	} else {
		c.tag('F')
	}
}

func (c *canon) strs(ss []string) {
	if ss == nil {
		c.tag('N')
		return
	}
	c.tag('l')
	c.uint(uint64(len(ss)))
	for _, s := range ss {
		c.str(s)
	}
}

// value writes v and its type where the type is not known from the
// context: at the top and inside interfaces.
func (c *canon) value(v any) {
	if v == nil {
		c.tag('N')
		return
	}
	rv := reflect.ValueOf(v)
	c.str(typeID(rv.Type()))
	c.reflect(rv, 0)
}

func (c *canon) reflect(v reflect.Value, depth int) {
	if depth > maxDepth {
		c.ok = false
		return
	}
	switch v.Kind() {
	case reflect.Bool:
		c.bool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		c.tag('i')
		c.buf = binary.AppendVarint(c.buf, v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		c.tag('u')
		c.uint(v.Uint())
	case reflect.Float32, reflect.Float64:
		c.tag('f')
		c.uint(math.Float64bits(v.Float()))
	case reflect.Complex64, reflect.Complex128:
		c.tag('c')
		c.uint(math.Float64bits(real(v.Complex())))
		c.uint(math.Float64bits(imag(v.Complex())))
	case reflect.String:
		c.str(v.String())
	case reflect.Pointer:
		if v.IsNil() {
			c.tag('N')
			return
		}
		c.tag('p')
		c.reflect(v.Elem(), depth+1)
	case reflect.Interface:
		if v.IsNil() {
			c.tag('N')
			return
		}
		c.tag('I')
		c.str(typeID(v.Elem().Type()))
		c.reflect(v.Elem(), depth+1)
	case reflect.Slice:
		if v.IsNil() {
			c.tag('N')
			return
		}
		fallthrough
	case reflect.Array:
		c.tag('l')
		c.uint(uint64(v.Len()))
		for i := range v.Len() {
			c.reflect(v.Index(i), depth+1)
		}
	case reflect.Map:
		c.mapping(v, depth)
	case reflect.Struct:
		c.tag('S')
		c.uint(uint64(v.NumField()))
		for i := range v.NumField() {
			c.reflect(v.Field(i), depth+1)
		}
	default: // functions, channels, unsafe pointers
		c.ok = false
	}
}

// mapping writes a map's entries sorted by the bytes of their keys.
func (c *canon) mapping(v reflect.Value, depth int) {
	if v.IsNil() {
		c.tag('N')
		return
	}
	type entry struct{ key, value []byte }
	entries := make([]entry, 0, v.Len())
	for it := v.MapRange(); it.Next(); {
		k, e := &canon{ok: true}, &canon{ok: true}
		k.reflect(it.Key(), depth+1)
		e.reflect(it.Value(), depth+1)
		c.ok = c.ok && k.ok && e.ok
		entries = append(entries, entry{k.buf, e.buf})
	}
	slices.SortFunc(entries, func(a, b entry) int { return bytes.Compare(a.key, b.key) })
	c.tag('m')
	c.uint(uint64(len(entries)))
	for _, e := range entries {
		c.buf = append(c.buf, e.key...)
		c.buf = append(c.buf, e.value...)
	}
}

// typeID names a type unambiguously: a named type by its package path and
// name, any other by its structure.
func typeID(t reflect.Type) string {
	if t.Name() != "" {
		return t.PkgPath() + "." + t.Name()
	}
	switch t.Kind() {
	case reflect.Pointer:
		return "*" + typeID(t.Elem())
	case reflect.Slice:
		return "[]" + typeID(t.Elem())
	case reflect.Array:
		return "[" + strconv.Itoa(t.Len()) + "]" + typeID(t.Elem())
	case reflect.Map:
		return "map[" + typeID(t.Key()) + "]" + typeID(t.Elem())
	case reflect.Struct:
		s := "struct{"
		for i := range t.NumField() {
			f := t.Field(i)
			s += strconv.Quote(f.PkgPath+"."+f.Name) + " " + strconv.FormatBool(f.Anonymous) + " " +
				typeID(f.Type) + " " + strconv.Quote(string(f.Tag)) + ";"
		}
		return s + "}"
	}
	// Interfaces, functions and channels are never the dynamic type of a
	// value; reflect's own name is enough to tell the rest apart.
	return t.String()
}
