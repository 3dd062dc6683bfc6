package gitfs_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/dipdev/dip/vcs/gitfs"
)

func TestReadsTheCommitNotTheWorkTree(t *testing.T) {
	dir, first, _ := history(t)
	write(t, dir, "platform.yaml", "name: uncommitted\n")
	old := open(t, dir, first)
	data, err := fs.ReadFile(old, "platform.yaml")
	if err != nil || string(data) != "name: v1\n" {
		t.Fatalf("platform.yaml at the first commit = %q, %v", data, err)
	}
	if data, err := fs.ReadFile(old, "requests/payments/gone.yaml"); err != nil || string(data) != "x: 1\n" {
		t.Errorf("a file removed later, at the first commit = %q, %v", data, err)
	}
	if _, err := fs.Stat(old, "requests/payments/new.yaml"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file added later exists at the first commit: %v", err)
	}
	names := func(f fs.FS) []string {
		entries, err := fs.ReadDir(f, "requests/payments")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	if diff := cmp.Diff([]string{"db.yaml", "gone.yaml", "link.yaml"}, names(old)); diff != "" {
		t.Errorf("requests/payments at the first commit (-want +got):\n%s", diff)
	}
	head := open(t, dir, "HEAD")
	if data, _ := fs.ReadFile(head, "platform.yaml"); string(data) != "name: v2\n" {
		t.Errorf("platform.yaml at HEAD = %q", data)
	}
	if diff := cmp.Diff([]string{"db.yaml", "link.yaml", "new.yaml"}, names(head)); diff != "" {
		t.Errorf("requests/payments at HEAD (-want +got):\n%s", diff)
	}
}

func TestWalkDir(t *testing.T) {
	dir, _, _ := history(t)
	write(t, dir, "a.b", "sorts before the directory a\n")
	write(t, dir, "a/z.yaml", "z\n")
	run(t, dir, "add", "-A")
	run(t, dir, "commit", "-q", "-m", "order")
	var got []string
	err := fs.WalkDir(open(t, dir, "HEAD"), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		got = append(got, p+" "+d.Type().String())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		". d---------",
		"a d---------",
		"a/z.yaml ----------",
		"a.b ----------",
		"platform.yaml ----------",
		"requests d---------",
		"requests/payments d---------",
		"requests/payments/db.yaml ----------",
		"requests/payments/link.yaml L---------",
		"requests/payments/new.yaml ----------",
		"teams d---------",
		"teams/payments.yaml ----------",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("walk (-want +got):\n%s", diff)
	}
}

// TestFSContract checks the io/fs contracts. fstest opens every entry it
// lists, and links deliberately do not open, so the tree has none; a
// submodule is an empty directory.
func TestFSContract(t *testing.T) {
	dir, _, _ := history(t)
	run(t, dir, "rm", "-q", "requests/payments/link.yaml")
	write(t, dir, "bin/run.sh", "#!/bin/sh\n")
	if err := os.Chmod(filepath.Join(dir, "bin/run.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "empty.txt", "")
	run(t, dir, "add", "-A")
	run(t, dir, "update-index", "--add", "--cacheinfo", "160000,"+strings.Repeat("ab", 20)+",vendor/module")
	run(t, dir, "commit", "-q", "-m", "no links")
	f := open(t, dir, "HEAD")
	if err := fstest.TestFS(f, "platform.yaml", "teams/payments.yaml", "requests/payments/db.yaml", "requests/payments/new.yaml", "bin/run.sh", "empty.txt", "vendor/module"); err != nil {
		t.Fatal(err)
	}
	sub, err := fs.Sub(f, "requests")
	if err != nil {
		t.Fatal(err)
	}
	if err := fstest.TestFS(sub, "payments/db.yaml", "payments/new.yaml"); err != nil {
		t.Fatal(err)
	}
	info, err := fs.Stat(f, "bin/run.sh")
	if err != nil || info.Mode() != 0o755 {
		t.Errorf("executable file mode = %v, %v; want -rwxr-xr-x", info, err)
	}
	if entries, err := fs.ReadDir(f, "vendor/module"); err != nil || len(entries) != 0 {
		t.Errorf("submodule lists %v, %v; want an empty directory", entries, err)
	}
}

func TestSymlinksAreNotFollowed(t *testing.T) {
	dir, _, _ := history(t)
	symlink(t, dir, "requests", "reqs")
	run(t, dir, "add", "-A")
	run(t, dir, "commit", "-q", "-m", "link to a directory")
	f := open(t, dir, "HEAD")
	info, err := fs.Lstat(f, "requests/payments/link.yaml")
	if err != nil || info.Mode()&fs.ModeSymlink == 0 || info.Size() != int64(len("../../platform.yaml")) {
		t.Fatalf("Lstat of a link = %v, %v", info, err)
	}
	entries, err := fs.ReadDir(f, "requests/payments")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "link.yaml" && e.Type() != fs.ModeSymlink {
			t.Errorf("directory entry of a link has type %v", e.Type())
		}
	}
	for _, p := range []string{"requests/payments/link.yaml", "reqs"} {
		if _, err := f.Open(p); !errors.Is(err, gitfs.ErrSymlink) {
			t.Errorf("Open(%q) = %v, want ErrSymlink", p, err)
		}
		if _, err := f.Stat(p); !errors.Is(err, gitfs.ErrSymlink) {
			t.Errorf("Stat(%q) = %v, want ErrSymlink", p, err)
		}
		if _, err := fs.ReadFile(f, p); !errors.Is(err, gitfs.ErrSymlink) {
			t.Errorf("ReadFile(%q) = %v, want ErrSymlink", p, err)
		}
	}
	if _, err := fs.ReadDir(f, "reqs"); err == nil {
		t.Error("ReadDir followed a link to a directory")
	}
	if _, err := f.Open("reqs/payments/db.yaml"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open through a link = %v, want ErrNotExist", err)
	}
	if target, err := fs.ReadLink(f, "requests/payments/link.yaml"); err != nil || target != "../../platform.yaml" {
		t.Errorf("ReadLink = %q, %v", target, err)
	}
	if _, err := fs.ReadLink(f, "platform.yaml"); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("ReadLink of a file = %v, want ErrInvalid", err)
	}
	sub, err := fs.Sub(f, "requests")
	if err != nil {
		t.Fatal(err)
	}
	if info, err := fs.Lstat(sub, "payments/link.yaml"); err != nil || info.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("Lstat through fs.Sub = %v, %v", info, err)
	}
	if _, err := fs.Stat(sub, "payments/link.yaml"); !errors.Is(err, gitfs.ErrSymlink) {
		t.Errorf("Stat through fs.Sub = %v, want ErrSymlink", err)
	}
}

func TestBadPaths(t *testing.T) {
	dir, _, _ := history(t)
	f := open(t, dir, "HEAD")
	for _, p := range []string{"../etc/passwd", "/platform.yaml", "a//b", "teams/", "./teams", ""} {
		_, err := f.Open(p)
		var pe *fs.PathError
		if !errors.Is(err, fs.ErrInvalid) || !errors.As(err, &pe) {
			t.Errorf("Open(%q) = %v, want ErrInvalid in a PathError", p, err)
		}
		if _, err := f.Lstat(p); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("Lstat(%q) = %v, want ErrInvalid", p, err)
		}
	}
	for _, p := range []string{"nope.yaml", "teams/nope.yaml", "platform.yaml/x", "nope/x"} {
		if _, err := f.Open(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open(%q) = %v, want ErrNotExist", p, err)
		}
		if _, err := fs.ReadDir(f, p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("ReadDir(%q) = %v, want ErrNotExist", p, err)
		}
	}
	if _, err := fs.ReadFile(f, "teams"); err == nil {
		t.Error("ReadFile of a directory succeeded")
	}
	if _, err := fs.ReadDir(f, "platform.yaml"); err == nil {
		t.Error("ReadDir of a file succeeded")
	}
	if _, err := fs.Sub(f, "platform.yaml"); err == nil {
		t.Error("Sub of a file succeeded")
	}
}

func TestSub(t *testing.T) {
	dir, first, _ := history(t)
	sub, err := fs.Sub(open(t, dir, first), "requests")
	if err != nil {
		t.Fatal(err)
	}
	if data, err := fs.ReadFile(sub, "payments/gone.yaml"); err != nil || string(data) != "x: 1\n" {
		t.Errorf("read through fs.Sub = %q, %v", data, err)
	}
	if info, err := fs.Stat(sub, "payments"); err != nil || !info.IsDir() {
		t.Errorf("Stat through fs.Sub = %v, %v", info, err)
	}
	if _, err := fs.ReadFile(sub, "../platform.yaml"); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("escaping fs.Sub = %v, want ErrInvalid", err)
	}
}

// TestLargeFiles reads files above the size go-git streams from, packed
// and loose, whole and as deltas, and checks that the size is known before
// any content is read.
func TestLargeFiles(t *testing.T) {
	dir := t.TempDir()
	run(t, dir, "init", "-q", "-b", "main")
	big := bytes.Repeat([]byte("0123456789abcdef"), 3<<16) // 3 MiB
	write(t, dir, "big.bin", string(big))
	run(t, dir, "add", "-A")
	run(t, dir, "commit", "-q", "-m", "big")
	big2 := append(bytes.Clone(big), "tail\n"...)
	write(t, dir, "big.bin", string(big2))
	run(t, dir, "add", "-A")
	run(t, dir, "commit", "-q", "-m", "bigger")
	check := func(rev string, want []byte) {
		t.Helper()
		f := open(t, dir, rev)
		file, err := f.Open("big.bin")
		if err != nil {
			t.Fatal(err)
		}
		defer file.Close()
		info, err := file.Stat()
		if err != nil || info.Size() != int64(len(want)) {
			t.Fatalf("%s: size = %v, %v; want %d", rev, info, err, len(want))
		}
		got, err := io.ReadAll(file)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: read %d bytes, %v; want %d", rev, len(got), err, len(want))
		}
		if got, err := fs.ReadFile(f, "big.bin"); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: ReadFile %d bytes, %v; want %d", rev, len(got), err, len(want))
		}
		limited, err := f.Open("big.bin")
		if err != nil {
			t.Fatal(err)
		}
		defer limited.Close()
		if got, err := io.ReadAll(io.LimitReader(limited, 1000)); err != nil || !bytes.Equal(got, want[:1000]) {
			t.Errorf("%s: limited read = %d bytes, %v", rev, len(got), err)
		}
	}
	check("HEAD~1", big)
	check("HEAD", big2)
	run(t, dir, "gc", "-q", "--aggressive")
	check("HEAD~1", big)
	check("HEAD", big2)
}

func TestClosedFile(t *testing.T) {
	dir, _, _ := history(t)
	file, err := open(t, dir, "HEAD").Open("platform.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := file.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := file.Read(make([]byte, 1)); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("Read after Close = %v, want ErrClosed", err)
	}
}
