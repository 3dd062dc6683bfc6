package terraform_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/dipdev/dip/internal/bench"
	"github.com/dipdev/dip/renderers/rendertest"
	"github.com/dipdev/dip/renderers/source"
	"github.com/dipdev/dip/renderers/terraform"
)

// compareLayout renders src with both serialisers and fails unless layout
// handled every file and gave hclwrite's formatter's bytes.
func compareLayout(t *testing.T, src *source.Request) {
	t.Helper()
	_, err := terraform.RenderCompared(src, func(laidOut, formatted []byte, ok bool) {
		t.Helper()
		switch {
		case !ok:
			t.Errorf("%s (%s): layout fell back to hclwrite's formatter for\n%s", src.Request.File, src.Env.Name, formatted)
		case !bytes.Equal(laidOut, formatted):
			t.Errorf("%s (%s): layout differs from hclwrite's formatter\n--- layout\n%s\n--- formatter\n%s", src.Request.File, src.Env.Name, laidOut, formatted)
		}
	})
	if err != nil {
		t.Fatalf("render %s: %v", src.Request.File, err)
	}
}

func TestLayoutMatchesFormatterOnGoldenFiles(t *testing.T) {
	for _, src := range archives(t) {
		compareLayout(t, src)
	}
	for _, s := range hostile {
		for _, src := range hostileRepo(t, s) {
			compareLayout(t, src)
		}
		for _, src := range fuzzSources(s) {
			compareLayout(t, src)
		}
	}
}

// TestLayoutMatchesFormatterOnGeneratedRepo covers the shapes the
// benchmark generator makes: every kind, uses between requests,
// overrides per environment.
func TestLayoutMatchesFormatterOnGeneratedRepo(t *testing.T) {
	n := 400
	if testing.Short() {
		n = 100
	}
	dir := t.TempDir()
	if err := bench.Generate(dir, n); err != nil {
		t.Fatal(err)
	}
	ar := &txtar.Archive{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if filepath.Ext(rel) == ".yaml" {
			ar.Files = append(ar.Files, txtar.File{Name: filepath.ToSlash(rel), Data: data})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range rendertest.Sources(t, rendertest.Repo(t, ar)) {
		compareLayout(t, src)
	}
}
