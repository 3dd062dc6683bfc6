package platform_test

import (
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/dipdev/dip/platform"
)

// parseErr parses data and returns the diagnostic it fails with.
func parseErr(t *testing.T, data string) platform.Diagnostic {
	t.Helper()
	_, err := platform.ParseYAML("f.yaml", []byte(data))
	if err == nil {
		t.Fatal("no error")
	}
	var d platform.Diagnostic
	if !errors.As(err, &d) {
		t.Fatalf("error %v is not a Diagnostic", err)
	}
	if d.File != "f.yaml" || d.Line < 1 {
		t.Errorf("diagnostic without a position: %#v", d)
	}
	return d
}

func TestParseYAMLErrors(t *testing.T) {
	tests := []struct {
		name, data string
		line       int
		message    string
	}{
		{"duplicate key", "a: 1\nb: 2\na: 3\n", 3, `duplicate key "a" (first at line 1)`},
		{"duplicate nested key", "spec:\n  size: small\n  size: large\n", 3, `duplicate key "size" (first at line 2)`},
		{"several documents", "a: 1\n---\nb: 2\n", 2, "more than one YAML document"},
		{"empty file", "", 1, "file is empty"},
		{"only comments", "# nothing here\n", 1, "file is empty"},
		{"invalid UTF-8", "a: 1\nb: \xff\n", 2, "not valid UTF-8"},
		{"NUL byte", "a: 1\nb: 2\nc: \x00\n", 3, "NUL byte"},
		{"merge key", "base: &b {x: 1}\nother:\n  <<: *b\n", 3, "merge keys (<<) are not supported"},
		{"tab indentation", "a: 1\nb:\n\t- x\n", 3, "invalid YAML: found character that cannot start any token"},
		{"unclosed flow sequence", "a: 1\nkind: [Platform\nb: 2\n", 2, "invalid YAML: did not find expected ',' or ']'"},
		{"bad indentation", "a: 1\n  b: 2\n", 2, "invalid YAML: mapping values are not allowed"},
		{"non-string key", "[a]: 1\n", 1, "mapping keys must be strings"},
		{"binary", "a: !!binary aGVsbG8=\n", 1, "binary values are not supported"},
		{"infinite number", "a: .inf\n", 1, "not a finite number"},
		{"deep nesting", strings.Repeat("[", platform.MaxDepth+10) + strings.Repeat("]", platform.MaxDepth+10) + "\n", 1, "nested too deeply"},
		{"deep block nesting", deepBlock(platform.MaxDepth + 5), platform.MaxDepth + 2, "nested too deeply"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := parseErr(t, tc.data)
			if d.Line != tc.line || !strings.Contains(d.Message, tc.message) || d.Rule != "yaml" {
				t.Errorf("got %s [%s], want line %d and %q", d, d.Rule, tc.line, tc.message)
			}
		})
	}
}

func deepBlock(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat(" ", i) + "k:\n")
	}
	b.WriteString(strings.Repeat(" ", n) + "k: v\n")
	return b.String()
}

func TestParseYAMLAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	prev := "a"
	for _, name := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		b.WriteString(name + ": &" + name + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+", ", 9), ", ") + "]\n")
		prev = name
	}
	start := time.Now()
	d := parseErr(t, b.String())
	// Reported at the alias whose expansion makes the document too large.
	if !strings.Contains(d.Message, "too large") || d.Line != 6 || d.Column != 8 {
		t.Errorf("got %s", d)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("took %v", elapsed)
	}
}

func TestParseYAMLValues(t *testing.T) {
	doc, err := platform.ParseYAML("f.yaml", []byte("s: x\ni: 5\nf: 1.5\nb: true\nn: null\nd: 2026-01-31\nl: [1, two]\nm: {k: v}\nalias: &x {a: 1}\nref: *x\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := doc.Value.(map[string]any)
	want := map[string]any{"s": "x", "i": int64(5), "f": 1.5, "b": true, "n": nil, "d": "2026-01-31"}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s: got %#v, want %#v", k, m[k], v)
		}
	}
	if ref, ok := m["ref"].(map[string]any); !ok || ref["a"] != int64(1) {
		t.Errorf("alias: got %#v", m["ref"])
	}
}

func TestParseYAMLTooLarge(t *testing.T) {
	d := parseErr(t, strings.Repeat("a", platform.MaxFileSize+1))
	if !strings.Contains(d.Message, "too large") || d.Line != 1 {
		t.Errorf("got %s", d)
	}
}

// bigFS serves one file of size bytes, counting the bytes read from it.
type bigFS struct {
	size int64
	read int64
}

func (b *bigFS) Open(name string) (fs.File, error) {
	if name != "requests/a/big.yaml" {
		return nil, fs.ErrNotExist
	}
	return &bigFile{fs: b}, nil
}

type bigFile struct{ fs *bigFS }

func (f *bigFile) Stat() (fs.FileInfo, error) { return nil, errors.New("no stat") }
func (f *bigFile) Close() error               { return nil }
func (f *bigFile) Read(p []byte) (int, error) {
	if f.fs.read >= f.fs.size {
		return 0, io.EOF
	}
	n := min(int64(len(p)), f.fs.size-f.fs.read)
	for i := range p[:n] {
		p[i] = 'a'
	}
	f.fs.read += n
	return int(n), nil
}

func TestReadFileTooLarge(t *testing.T) {
	fsys := &bigFS{size: 50 << 20}
	_, err := platform.ReadFile(fsys, "requests/a/big.yaml")
	var d platform.Diagnostic
	if !errors.As(err, &d) || !strings.Contains(d.Message, "too large") || d.Line != 1 {
		t.Fatalf("got %v", err)
	}
	if fsys.read > platform.MaxFileSize+1 {
		t.Errorf("read %d bytes of a file over the limit", fsys.read)
	}
}
