package gitfs_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/google/go-cmp/cmp"

	"github.com/dipdev/dip/vcs/gitfs"
)

// hashesOnDisk hashes every regular file below dir's names the slow way.
func hashesOnDisk(t *testing.T, dir string, names ...string) map[string]plumbing.Hash {
	t.Helper()
	out := map[string]plumbing.Hash{}
	for _, name := range names {
		err := filepath.WalkDir(filepath.Join(dir, name), func(p string, d fs.DirEntry, err error) error {
			if os.IsNotExist(err) {
				return nil
			}
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			data, err := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			out[filepath.ToSlash(rel)] = plumbing.ComputeHash(plumbing.BlobObject, data)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestTreeBlobs(t *testing.T) {
	dir, first, _ := history(t)
	got, err := open(t, dir, first).Blobs("platform.yaml", "teams", "requests", "missing")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]plumbing.Hash{
		"platform.yaml":               plumbing.ComputeHash(plumbing.BlobObject, []byte("name: v1\n")),
		"teams/payments.yaml":         plumbing.ComputeHash(plumbing.BlobObject, []byte("team: payments\n")),
		"requests/payments/db.yaml":   plumbing.ComputeHash(plumbing.BlobObject, []byte("size: small\n")),
		"requests/payments/gone.yaml": plumbing.ComputeHash(plumbing.BlobObject, []byte("x: 1\n")),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("blobs (-want +got), links left out:\n%s", diff)
	}
	sub, err := open(t, dir, first).Sub("requests")
	if err != nil {
		t.Fatal(err)
	}
	got, err = sub.(*gitfs.FS).Blobs("payments")
	if err != nil || len(got) != 2 || got["payments/db.yaml"] != want["requests/payments/db.yaml"] {
		t.Errorf("blobs of a sub tree: %v, %v", got, err)
	}
}

// TestWorkTreeBlobs changes files in every way the index's stat data
// could hide: each hash must be that of the bytes on disk.
func TestWorkTreeBlobs(t *testing.T) {
	dir, _, _ := history(t)
	names := []string{"platform.yaml", "teams", "requests"}
	check := func(when string) {
		t.Helper()
		got, err := gitfs.WorkTreeBlobs(dir, names...)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(hashesOnDisk(t, dir, names...), got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", when, diff)
		}
	}
	check("clean")
	// Same size, and the time the index recorded: only the change time and
	// the content differ.
	p := filepath.Join(dir, "requests", "payments", "db.yaml")
	info, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	write(t, dir, "requests/payments/db.yaml", "size: large\n")
	if err := os.Chtimes(p, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	check("rewritten with the same size and time")
	write(t, dir, "requests/payments/untracked.yaml", "u: 1\n")
	write(t, dir, "teams/ops.yaml", "team: ops\n")
	run(t, dir, "add", "teams/ops.yaml")
	write(t, dir, "teams/ops.yaml", "team: ops, changed after staging\n")
	if err := os.Chmod(filepath.Join(dir, "platform.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	check("untracked, staged then changed, made executable")
	run(t, dir, "add", "-A")
	check("all staged")
	write(t, dir, ".gitattributes", "*.yaml text eol=crlf\n")
	check("with .gitattributes")

	sub, err := gitfs.WorkTreeBlobs(filepath.Join(dir, "requests"), "payments")
	if err != nil {
		t.Fatal(err)
	}
	if want := hashesOnDisk(t, filepath.Join(dir, "requests"), "payments"); !cmp.Equal(want, sub) {
		t.Errorf("below a subdirectory: %v, want %v", sub, want)
	}
}
