package inputs

import (
	"bytes"
	"testing"

	"github.com/dipdev/dip/platform"
)

func canonOf(v any) ([]byte, bool) {
	c := newCanon()
	c.value(v)
	return c.buf, c.ok
}

type hidden struct {
	shown  int
	secret string
}

type other struct {
	shown  int
	secret string
}

// canon tells apart every pair of different values a spec could hold,
// and writes equal values alike.
func TestCanonTellsValuesApart(t *testing.T) {
	t.Parallel()
	one, zero := 1, 0
	values := []any{
		nil,
		0, 1, -1, int64(1), uint(1), 1.0, 0.5, true, false, "", "a", "ab",
		[]string(nil), []string{}, []string{""}, []string{"a", "b"}, []string{"ab"}, [2]string{"a", "b"},
		map[string]string(nil), map[string]string{}, map[string]string{"a": "b"}, map[string]string{"a": "c"},
		map[string]string{"ab": ""}, map[string]string{"a": "", "b": ""},
		(*int)(nil), &zero, &one,
		hidden{1, "x"}, hidden{1, "y"}, other{1, "x"}, &hidden{1, "x"},
		[]any{"a"}, []any{[]string{"a"}}, []any{nil},
		&platform.ServiceSpec{}, &platform.ServiceSpec{Env: map[string]string{}},
		&platform.ServiceSpec{Uses: []platform.Use{}}, &platform.ServiceSpec{Scaling: platform.Scaling{Min: 1}},
		&platform.BucketSpec{}, &platform.BucketSpec{LifecycleDays: &zero},
		&platform.QueueSpec{}, &platform.PostgresDatabaseSpec{},
	}
	seen := map[string]int{}
	for i, v := range values {
		b, ok := canonOf(v)
		if !ok {
			t.Fatalf("%#v: not digested", v)
		}
		if j, dup := seen[string(b)]; dup {
			t.Errorf("%#v and %#v are written alike", values[j], v)
		}
		seen[string(b)] = i
		if again, _ := canonOf(v); !bytes.Equal(b, again) {
			t.Errorf("%#v is written differently twice", v)
		}
	}
	// A map's order of iteration does not matter.
	m := map[string]int{}
	for i := range 100 {
		m[string(rune('a'+i%26))+string(rune('a'+i/26))] = i
	}
	first, _ := canonOf(m)
	for range 10 {
		if b, _ := canonOf(m); !bytes.Equal(first, b) {
			t.Fatal("a map is written differently twice")
		}
	}
}

// What canon cannot write faithfully is reported, never written as
// something else.
func TestCanonRefusesWhatItCannotWrite(t *testing.T) {
	t.Parallel()
	type loop struct{ next *loop }
	l := &loop{}
	l.next = l
	for _, v := range []any{func() {}, make(chan int), []any{func() {}}, map[string]any{"f": func() {}}, l} {
		if _, ok := canonOf(v); ok {
			t.Errorf("%T: digested", v)
		}
	}
}
