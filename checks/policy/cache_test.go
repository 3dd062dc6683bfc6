package policy

import (
	"sync"
	"testing"
)

func TestCacheGivesBackWhatItCompiled(t *testing.T) {
	deny := func(msg string) []Module {
		return []Module{{Path: "policies/a.rego", Source: []byte("package a\n\ndeny contains \"" + msg + "\" if input.bad\n")}}
	}
	data := func(v any) map[string]any { return map[string]any{"dip": map[string]any{"limit": v}} }
	c := &Cache{Size: 2}
	first, err := c.Compile(deny("one"), data(1))
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := c.Compile(deny("one"), data(1)); again != first {
		t.Errorf("the same modules and data were compiled again")
	}
	if other, _ := c.Compile(deny("two"), data(1)); other == first {
		t.Errorf("another policy got the first engine")
	}
	if other, _ := c.Compile(deny("one"), data(2)); other == first {
		t.Errorf("other data got the first engine")
	}
	// Two newer engines pushed the first out.
	if again, _ := c.Compile(deny("one"), data(1)); again == first {
		t.Errorf("the cache kept more than its size")
	}
	// A path is part of the key: the same source under another name is
	// reported under that name.
	moved := deny("one")
	moved[0].Path = "policies/b.rego"
	if e, _ := c.Compile(moved, data(1)); e == first {
		t.Errorf("a module under another path got the first engine")
	}
}

func TestCacheKeepsNoFailure(t *testing.T) {
	c := &Cache{}
	broken := []Module{{Path: "policies/a.rego", Source: []byte("package a\n\ndeny contains msg if {\n")}}
	for range 2 {
		if _, err := c.Compile(broken, nil); err == nil {
			t.Fatal("broken Rego compiled")
		}
	}
	if len(c.engines) != 0 {
		t.Errorf("a failure was kept")
	}
}

func TestCacheServesConcurrentCompiles(t *testing.T) {
	c := &Cache{}
	mods := []Module{{Path: "policies/a.rego", Source: []byte("package a\n\ndeny contains \"x\" if input.bad\n")}}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := c.Compile(mods, map[string]any{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(c.engines) != 1 {
		t.Errorf("%d engines kept for one set", len(c.engines))
	}
}
