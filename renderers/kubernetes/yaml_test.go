package kubernetes_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
	"golang.org/x/tools/txtar"

	"github.com/dipdev/dip/renderers/kubernetes"
)

// yamlStrings are scalars whose YAML style yaml.v3 decides by its own
// rules: indicators, quotes, words and numbers that read back as other
// types, timestamps, blanks, line breaks, control and non-ASCII text.
var yamlStrings = []string{
	"", "plain", "two words", "true", "True", "yes", "Y", "n", "on", "Off", "null", "~", "<<", "<x", "~x",
	"yesterday", "nothing", "type", "name", "tcp", "offset", "onion",
	"0", "1", "-1", "+1", "080", "0x1F", "0o17", "0b101", "1_000", "1e3", "1.5", ".5", ".inf", "-.inf", ".nan",
	"1:20", "190:20:30.15", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "1.976.0", "8080/TCP", "500m", "512Mi",
	": x", "a: b", "a:b", "a:", "http://x:80/y", "a #b", "a#b", "#x", "- x", "-x", "--x", "---", "--- x", "...", "...x",
	" lead", "trail ", " both ", "it's", "'q'", `"dq"`, `say "hi"`, `back\slash`, "tab\there", "\tlead tab",
	"line\nbreak", "trailing\n", "\nleading", "a\r\nb", "cr\rhere", "nel\u0085x", "ls\u2028x",
	"café", "日本語 🚀", "\u200b", "\x00", "nul\x00x", "del\x7fx", "\ufeffbom",
	"${x}", "$(VAR)", "$$(VAR)", "%x", "@x", "`x", "*x", "&x", "!x", "|x", ">x", "?x", "? x", "?", ":", "-",
	"[x]", "{x}", "x]", ",x", "x,y", "{}", "[]", "a b  c", "a  #b",
	strings.Repeat("long ", 40), strings.Repeat("k", 129),
}

// yamlKeys are map keys, including ones the fast writer leaves to yaml.v3.
var yamlKeys = []string{
	"a", "b", "a1", "a10", "a2", "a01", "a001", "a0", "x9y", "x10y", "A", "Z", "_", "a_b", "a-b", "a.b", "a/b",
	"app.kubernetes.io/name", "dip.dev/env", "k8s", "k08s", "1", "10", "2", "true", "", "a: b", "-x", "é",
	strings.Repeat("k", 128), strings.Repeat("k", 129),
}

// checkYAML fails t when the fast writer writes v differently from
// yaml.v3, and returns whether it wrote v at all.
func checkYAML(t *testing.T, name string, v any) bool {
	t.Helper()
	want, err := kubernetes.EncodeYAML(v)
	if err != nil {
		t.Fatalf("%s: yaml.v3: %v", name, err)
	}
	got, ok := kubernetes.EmitYAML(v)
	if ok && !bytes.Equal(got, want) {
		t.Errorf("%s: written differently from yaml.v3 (-yaml.v3 +fast):\n%s", name, cmp.Diff(string(want), string(got)))
	}
	return ok
}

// int64s turns the ints yaml.v3 decodes into the int64s encode hands on.
func int64s(v any) any {
	switch v := v.(type) {
	case int:
		return int64(v)
	case map[string]any:
		for k, e := range v {
			v[k] = int64s(e)
		}
	case []any:
		for i, e := range v {
			v[i] = int64s(e)
		}
	}
	return v
}

func TestEmitYAMLGolden(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden archives (%v)", err)
	}
	n := 0
	for _, p := range paths {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			if !strings.HasSuffix(f.Name, ".yaml") || !strings.HasPrefix(f.Name, "want/") {
				continue
			}
			var v any
			if err := yaml.Unmarshal(f.Data, &v); err != nil {
				t.Fatalf("%s %s: %v", p, f.Name, err)
			}
			if !checkYAML(t, p+" "+f.Name, int64s(v)) {
				t.Errorf("%s %s: left to yaml.v3, want the fast writer", p, f.Name)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no golden manifests")
	}
}

func TestEmitYAMLScalars(t *testing.T) {
	for _, s := range yamlStrings {
		v := map[string]any{
			"metadata": map[string]any{"labels": map[string]any{"k": s, "z": "plain"}, "name": s},
			"args":     []any{s, "x", map[string]any{"v": s, "w": []any{s}}},
			"empty":    map[string]any{},
			"none":     []any{},
		}
		checkYAML(t, fmt.Sprintf("%q", s), v)
	}
	for _, v := range []any{int64(0), int64(-7), int64(1) << 62, 1.5, 1e21, 0.1, true, false, nil, []any{"x"}} {
		checkYAML(t, fmt.Sprintf("%v", v), map[string]any{"a": v, "b": []any{v, map[string]any{"c": v}}})
	}
}

func TestEmitYAMLKeys(t *testing.T) {
	m := map[string]any{}
	for _, k := range yamlKeys {
		m[k] = k
		checkYAML(t, fmt.Sprintf("key %q", k), map[string]any{k: "v", "nested": map[string]any{k: []any{map[string]any{k: "v", "b": "c"}}}})
	}
	checkYAML(t, "all keys", m)
	sorted := map[string]any{}
	// The keys of dip's objects: no digits, and no two that first differ
	// in a letter against another character.
	for _, k := range []string{"apiVersion", "kind", "metadata", "spec", "containerPort", "readinessProbe",
		"app.kubernetes.io/managed-by", "app.kubernetes.io/name", "dip.dev/team", "dip.dev/cost-center", "dip.dev/source"} {
		sorted[k] = int64(1)
	}
	if !checkYAML(t, "sorted keys", map[string]any{"m": sorted}) {
		t.Error("plain keys left to yaml.v3, want the fast writer")
	}
}

func FuzzEmitYAML(f *testing.F) {
	for i, s := range yamlStrings {
		f.Add(yamlKeys[i%len(yamlKeys)], s)
	}
	f.Fuzz(func(t *testing.T, k, s string) {
		checkYAML(t, fmt.Sprintf("%q: %q", k, s), map[string]any{
			k: s, "list": []any{s, map[string]any{k: s, "a": s}}, "m": map[string]any{k: map[string]any{}, s: s},
		})
	})
}

func BenchmarkEmitYAML(b *testing.B) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*.txtar"))
	var trees []any
	for _, p := range paths {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range ar.Files {
			if strings.HasSuffix(f.Name, ".yaml") && strings.HasPrefix(f.Name, "want/") {
				var v any
				if err := yaml.Unmarshal(f.Data, &v); err != nil {
					b.Fatal(err)
				}
				trees = append(trees, int64s(v))
			}
		}
	}
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			for _, v := range trees {
				kubernetes.EmitYAML(v)
			}
		}
	})
	b.Run("yaml.v3", func(b *testing.B) {
		for b.Loop() {
			for _, v := range trees {
				if _, err := kubernetes.EncodeYAML(v); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
