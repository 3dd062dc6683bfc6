package gitfs_test

import (
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/dipdev/dip/vcs/gitfs"
)

// A tree written from nothing has the hash git gives the same files.
func TestWriteTreeMatchesGit(t *testing.T) {
	dir := t.TempDir()
	run(t, dir, "init", "-q", "-b", "main")
	files := map[string]string{
		"a.txt":             "a\n",
		"b/c.txt":           "c\n",
		"b/d/e.txt":         "e\n",
		"b-c.txt":           "sorts between b/ and b.txt as git does\n",
		"b.txt":             "b\n",
		"requests/x/y.yaml": "y: 1\n",
	}
	data := map[string][]byte{}
	for name, body := range files {
		write(t, dir, name, body)
		data[name] = []byte(body)
	}
	run(t, dir, "add", "-A")
	run(t, dir, "commit", "-q", "-m", "files")
	want := run(t, dir, "rev-parse", "HEAD^{tree}")

	r, err := gitfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := gitfs.WriteTree(r, plumbing.ZeroHash, data)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != want {
		t.Errorf("tree %s, git has %s", got, want)
	}
}

// secondCommit opens history's repository at its second commit.
func secondCommit(t *testing.T) (string, *git.Repository, *object.Commit) {
	t.Helper()
	dir, _, second := history(t)
	r, err := gitfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.CommitObject(plumbing.NewHash(second))
	if err != nil {
		t.Fatal(err)
	}
	return dir, r, c
}

func TestWriteTreeEdits(t *testing.T) {
	dir, r, c := secondCommit(t)
	edits := map[string][]byte{
		"requests/payments/db.yaml":  []byte("size: large\n"),
		"requests/catalog/new.yaml":  []byte("z: 3\n"),
		"requests/payments/new.yaml": nil,
	}
	tree, err := gitfs.WriteTree(r, c.TreeHash, edits)
	if err != nil {
		t.Fatal(err)
	}
	sig := object.Signature{Name: "dip", Email: "dip@example.invalid", When: time.Unix(1700000000, 0)}
	commit, err := gitfs.WriteCommit(r, &object.Commit{Author: sig, Committer: sig, TreeHash: tree, ParentHashes: []plumbing.Hash{c.Hash}, Message: "edit\n"})
	if err != nil {
		t.Fatal(err)
	}
	changes, err := gitfs.ChangedFiles(r, c.Hash, commit)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ch := range changes {
		got = append(got, ch.Kind.String()+" "+ch.Path)
	}
	want := "added requests/catalog/new.yaml,modified requests/payments/db.yaml,deleted requests/payments/new.yaml"
	if strings.Join(got, ",") != want {
		t.Errorf("changes %v, want %s", got, want)
	}
	f, err := gitfs.New(r, commit)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := fs.ReadFile(f, "requests/payments/db.yaml"); err != nil || string(b) != "size: large\n" {
		t.Errorf("db.yaml = %q, %v", b, err)
	}
	// The link is kept as a link.
	if info, err := f.Lstat("requests/payments/link.yaml"); err != nil || info.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("link lost: %v %v", info, err)
	}
	// git itself reads the result.
	run(t, dir, "fsck", "--no-dangling", commit.String())
	if got := run(t, dir, "show", commit.String()+":requests/catalog/new.yaml"); got != "z: 3" {
		t.Errorf("git show: %q", got)
	}

	// Nothing changed: the same tree.
	same, err := gitfs.WriteTree(r, c.TreeHash, map[string][]byte{"platform.yaml": []byte("name: v2\n")})
	if err != nil || same != c.TreeHash {
		t.Errorf("an edit to the same content gave %s, %v; want %s", same, err, c.TreeHash)
	}
	// Removing a directory's last file removes the directory.
	added, err := gitfs.WriteTree(r, c.TreeHash, map[string][]byte{"requests/catalog/new.yaml": []byte("z: 3\n")})
	if err != nil {
		t.Fatal(err)
	}
	emptied, err := gitfs.WriteTree(r, added, map[string][]byte{"requests/catalog/new.yaml": nil})
	if err != nil {
		t.Fatal(err)
	}
	if added == c.TreeHash || emptied != c.TreeHash {
		t.Errorf("adding and removing a file gave trees %s and %s, want %s back", added, emptied, c.TreeHash)
	}
}

func TestWriteTreeRefuses(t *testing.T) {
	_, r, c := secondCommit(t)
	for _, p := range []string{"", "/abs", "a//b", "./a", "a/../b", ".git/config", "x/.GIT/hooks", "a\x00b"} {
		if _, err := gitfs.WriteTree(r, c.TreeHash, map[string][]byte{p: []byte("x")}); err == nil {
			t.Errorf("path %q accepted", p)
		}
	}
	for name, files := range map[string]map[string][]byte{
		"file over directory": {"requests": []byte("x")},
		"directory over file": {"platform.yaml/x": []byte("x")},
		"file and directory":  {"a": []byte("x"), "a/b": []byte("y")},
		"remove a directory":  {"teams": nil},
	} {
		if _, err := gitfs.WriteTree(r, c.TreeHash, files); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}
