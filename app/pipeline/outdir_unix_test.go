//go:build unix

package pipeline_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/dipdev/dip/app/pipeline"
)

// TestWriteTreeReusesUnchangedFiles: a file with the same contents and
// mode is the same file after a re-render (hard-linked, not rewritten); a
// changed one, one edited by hand to the same size, one whose mode was
// changed, and a symbolic link are all written anew with the new contents.
func TestWriteTreeReusesUnchangedFiles(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rendered")
	files := func(changed string) []pipeline.OutputFile {
		return []pipeline.OutputFile{
			{Path: "staging/a/same/main.tf", Data: []byte("same\n")},
			{Path: "staging/a/changed/main.tf", Data: []byte(changed)},
			{Path: "staging/a/edited/main.tf", Data: []byte("dip wrote this\n")},
			{Path: "staging/a/chmod/main.tf", Data: []byte("mode\n")},
			{Path: "staging/a/symlink/main.tf", Data: []byte("link\n")},
		}
	}
	if err := pipeline.WriteTree(out, files("before\n")); err != nil {
		t.Fatal(err)
	}
	p := func(rel string) string { return filepath.Join(out, filepath.FromSlash(rel)) }
	if err := os.WriteFile(p("staging/a/edited/main.tf"), []byte("hand edited!!\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p("staging/a/chmod/main.tf"), 0o600); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "elsewhere")
	if err := os.WriteFile(target, []byte("link\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(p("staging/a/symlink/main.tf")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, p("staging/a/symlink/main.tf")); err != nil {
		t.Fatal(err)
	}
	inode := func(rel string) uint64 {
		info, err := os.Lstat(p(rel))
		if err != nil {
			t.Fatal(err)
		}
		return info.Sys().(*syscall.Stat_t).Ino
	}
	before := map[string]uint64{}
	for _, f := range files("") {
		before[f.Path] = inode(f.Path)
	}
	if err := pipeline.WriteTree(out, files("after!\n")); err != nil {
		t.Fatal(err)
	}
	for _, f := range files("after!\n") {
		info, err := os.Lstat(p(f.Path))
		if err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(p(f.Path))
		if string(data) != string(f.Data) || !info.Mode().IsRegular() || info.Mode().Perm() != 0o644 {
			t.Errorf("%s: %q, mode %v; want %q, -rw-r--r--", f.Path, data, info.Mode(), f.Data)
		}
		if st := info.Sys().(*syscall.Stat_t); st.Nlink != 1 {
			t.Errorf("%s: %d links after the old tree was removed", f.Path, st.Nlink)
		}
		if reused := inode(f.Path) == before[f.Path]; reused != (f.Path == "staging/a/same/main.tf") {
			t.Errorf("%s: reused = %v", f.Path, reused)
		}
	}
	if data, _ := os.ReadFile(target); string(data) != "link\n" {
		t.Errorf("the symbolic link's target changed: %q", data)
	}
}

// TestWriteTreeReusesNothingThroughSymlinks: a directory of the old tree
// replaced by a symbolic link to files with the same contents elsewhere
// does not get those files linked into the new tree.
func TestWriteTreeReusesNothingThroughSymlinks(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rendered")
	files := []pipeline.OutputFile{{Path: "staging/a/db/main.tf", Data: []byte("same\n")}}
	if err := pipeline.WriteTree(out, files); err != nil {
		t.Fatal(err)
	}
	elsewhere := t.TempDir()
	if err := os.MkdirAll(filepath.Join(elsewhere, "db"), 0o755); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(elsewhere, "db", "main.tf")
	if err := os.WriteFile(outside, []byte("same\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(out, "staging", "a")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, filepath.Join(out, "staging", "a")); err != nil {
		t.Fatal(err)
	}
	if err := pipeline.WriteTree(out, files); err != nil {
		t.Fatal(err)
	}
	got, err := os.Lstat(filepath.Join(out, "staging", "a", "db", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := os.Stat(outside)
	if err != nil {
		t.Fatal(err)
	}
	if os.SameFile(got, other) {
		t.Error("a file outside the old tree was linked into the new one")
	}
	if st := other.Sys().(*syscall.Stat_t); st.Nlink != 1 {
		t.Errorf("the outside file has %d links", st.Nlink)
	}
}
