package codemods_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"

	"github.com/dipdev/dip/codemods"
	"github.com/dipdev/dip/internal/linediff"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The golden archives, testdata/<codemod>/*.txtar, each hold a request as
// in.yaml and either want.yaml, the file once migrated, or error, the
// diagnostic of a request that is left as it is. A line "options: ..." in
// the archive's comment transforms both files: crlf writes every line
// break as \r\n, bom starts the file with a byte-order mark, noeol drops
// the final line break. -update rewrites want.yaml or error.
func TestGolden(t *testing.T) {
	reg := codemods.Default()
	for _, c := range reg.Codemods() {
		paths, err := filepath.Glob(filepath.Join("testdata", c.Name, "*.txtar"))
		if err != nil || len(paths) == 0 {
			t.Errorf("codemod %s has no golden archives in testdata/%s", c.Name, c.Name)
			continue
		}
		for _, p := range paths {
			t.Run(c.Name+"/"+strings.TrimSuffix(filepath.Base(p), ".txtar"), func(t *testing.T) {
				t.Parallel()
				golden(t, reg, p)
			})
		}
	}
}

func golden(t *testing.T, reg *codemods.Registry, p string) {
	ar, err := txtar.ParseFile(p)
	if err != nil {
		t.Fatal(err)
	}
	opts := options(ar.Comment)
	files := map[string][]byte{}
	for _, f := range ar.Files {
		files[f.Name] = f.Data
	}
	in, ok := files["in.yaml"]
	if !ok {
		t.Fatal("no in.yaml")
	}
	in = opts.apply(in)
	var got txtar.File
	res, err := reg.MigrateFile("in.yaml", in)
	if err != nil {
		got = txtar.File{Name: "error", Data: []byte(err.Error() + "\n")}
	} else {
		got = txtar.File{Name: "want.yaml", Data: opts.undo(res.Doc.Data)}
		again, err := reg.Migrate(res.Doc)
		if err != nil || again.Changed() || !bytes.Equal(again.Doc.Data, res.Doc.Data) {
			t.Errorf("migrating the migrated file again changes it (%v)", err)
		}
		if !res.Changed() && !bytes.Equal(res.Doc.Data, in) {
			t.Error("a request with nothing to migrate was changed")
		}
		untouched(t, in, res.Doc.Data)
	}
	if *update {
		kept := []txtar.File{{Name: "in.yaml", Data: files["in.yaml"]}}
		ar.Files = append(kept, got)
		if err := os.WriteFile(p, txtar.Format(ar), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, ok := files[got.Name]
	if !ok {
		for name, data := range files {
			if name != "in.yaml" {
				t.Fatalf("got %s:\n%s\nwant %s:\n%s", got.Name, got.Data, name, data)
			}
		}
		t.Fatalf("archive has neither want.yaml nor error; got %s:\n%s", got.Name, got.Data)
	}
	if diff := cmp.Diff(string(want), string(got.Data)); diff != "" {
		t.Errorf("%s differs from %s (-want +got); run with -update if the change is intended:\n%s", got.Name, p, diff)
	}
}

// migrated matches the lines a codemod may change: those that hold a
// field it rewrites or a value it converts. Every other line must stay byte for byte, or move
// whole (a comment going with its field).
var migrated = regexp.MustCompile(`\b(apiVersion|size|storageGB|port|replicas|maxReplicas|small|medium|large)\b`)

func untouched(t *testing.T, in, out []byte) {
	t.Helper()
	for _, op := range linediff.Compare(linediff.Lines(in), linediff.Lines(out)) {
		line := strings.TrimSpace(op.Line)
		if op.Kind == linediff.Remove && !migrated.MatchString(line) && !strings.HasPrefix(line, "#") {
			t.Errorf("line %q changed, though it holds nothing to migrate", op.Line)
		}
	}
}

type transform struct{ crlf, bom, noeol bool }

func options(comment []byte) transform {
	var tr transform
	for _, line := range strings.Split(string(comment), "\n") {
		if rest, ok := strings.CutPrefix(line, "options:"); ok {
			for _, o := range strings.Fields(rest) {
				switch o {
				case "crlf":
					tr.crlf = true
				case "bom":
					tr.bom = true
				case "noeol":
					tr.noeol = true
				}
			}
		}
	}
	return tr
}

func (tr transform) apply(b []byte) []byte {
	if tr.noeol {
		b = bytes.TrimSuffix(b, []byte("\n"))
	}
	if tr.crlf {
		b = bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
	}
	if tr.bom {
		b = append([]byte("\ufeff"), b...)
	}
	return b
}

// undo turns a migrated file back into the form the archive holds it in,
// failing the transformation's promises (a line break that is not \r\n in
// a crlf file) by leaving a mark in the file.
func (tr transform) undo(b []byte) []byte {
	if tr.bom {
		var ok bool
		if b, ok = bytes.CutPrefix(b, []byte("\ufeff")); !ok {
			b = append([]byte("<no byte-order mark>\n"), b...)
		}
	}
	if tr.crlf {
		if bytes.Count(b, []byte("\n")) != bytes.Count(b, []byte("\r\n")) {
			b = append([]byte("<a line break without \\r>\n"), b...)
		}
		b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	}
	if tr.noeol {
		if bytes.HasSuffix(b, []byte("\n")) {
			b = append(b, []byte("<a final line break>\n")...)
		} else {
			b = append(b, '\n')
		}
	}
	return b
}
