package pipeline_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dipdev/dip/app/pipeline"
)

// tree returns every regular file below dir with its contents.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWriteTreeReplacesStaleFiles(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rendered")
	first := []pipeline.OutputFile{
		{Path: "staging/payments/orders-db/terraform/main.tf", Data: []byte("one\n")},
		{Path: "staging/payments/old-queue/terraform/main.tf", Data: []byte("gone soon\n")},
	}
	if err := pipeline.WriteTree(out, first); err != nil {
		t.Fatal(err)
	}
	second := []pipeline.OutputFile{{Path: "staging/payments/orders-db/terraform/main.tf", Data: []byte("two\n")}}
	if err := pipeline.WriteTree(out, second); err != nil {
		t.Fatal(err)
	}
	got := tree(t, out)
	delete(got, pipeline.OutputMarker)
	want := map[string]string{"staging/payments/orders-db/terraform/main.tf": "two\n"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("output tree (-want +got):\n%s", diff)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".rendered.new-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary directories left behind: %v", leftovers)
	}
}

func TestWriteTreeRefusesForeignDirectory(t *testing.T) {
	out := t.TempDir()
	if err := os.WriteFile(filepath.Join(out, "thesis.tex"), []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := pipeline.WriteTree(out, []pipeline.OutputFile{{Path: "a/b.tf", Data: []byte("x")}})
	if err == nil || !strings.Contains(err.Error(), "not written by dip") {
		t.Fatalf("WriteTree into a foreign directory: err = %v, want a refusal", err)
	}
	if diff := cmp.Diff(map[string]string{"thesis.tex": "precious"}, tree(t, out)); diff != "" {
		t.Errorf("foreign directory changed (-want +got):\n%s", diff)
	}
}

func TestWriteTreeRefusesUnsafePathsAndKeepsOldTree(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(root, "rendered")
	if err := pipeline.WriteTree(out, []pipeline.OutputFile{{Path: "staging/t/n/terraform/main.tf", Data: []byte("old\n")}}); err != nil {
		t.Fatal(err)
	}
	before := tree(t, out)
	for _, p := range []string{"../escape.tf", "/etc/passwd", "a/../../b.tf", "a//b.tf", "./a.tf", "", ".dip-rendered", "a/.hidden", `a\..\b`} {
		err := pipeline.WriteTree(out, []pipeline.OutputFile{
			{Path: "staging/t/n/terraform/main.tf", Data: []byte("new\n")},
			{Path: p, Data: []byte("evil")},
		})
		if err == nil {
			t.Errorf("WriteTree accepted path %q", p)
		}
	}
	if diff := cmp.Diff(before, tree(t, out)); diff != "" {
		t.Errorf("a failed write changed the output (-want +got):\n%s", diff)
	}
	entries, _ := os.ReadDir(root)
	if len(entries) != 1 {
		t.Errorf("files written beside the output directory: %v", entries)
	}
}

func TestWriteTreeRefusesFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rendered")
	if err := os.WriteFile(out, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := pipeline.WriteTree(out, nil); err == nil {
		t.Fatal("WriteTree replaced a regular file")
	}
}

func TestTreeWriterConcurrentWrites(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rendered")
	w, err := pipeline.NewTreeWriter(out)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	want := map[string]string{}
	var paths []string
	for i := range 200 {
		p := fmt.Sprintf("env-%d/team/req-%d/terraform/main.tf", i%2, i%20)
		if _, dup := want[p]; dup {
			p = fmt.Sprintf("env-%d/team/req-%d/kubernetes/f%d.yaml", i%2, i%20, i)
		}
		want[p] = p + "\n"
		paths = append(paths, p)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := g; i < len(paths); i += 4 {
				if err := w.Write(paths[i], []byte(want[paths[i]])); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	got := tree(t, out)
	delete(got, pipeline.OutputMarker)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("output tree (-want +got):\n%s", diff)
	}
}
