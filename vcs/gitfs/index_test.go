package gitfs

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing/format/index"
)

func gitCmd(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// TestParseIndex reads indexes of every version, with extended flags
// (intent to add, skip-worktree), against go-git's decoder.
func TestParseIndex(t *testing.T) {
	dir := t.TempDir()
	gitCmd(t, dir, "init", "-q", "-b", "main")
	for _, name := range []string{"a.yaml", "requests/team/one.yaml", "requests/team/one-longer-name.yaml", "requests/team/two.yaml", "requests/z/x.yaml", "skip.yaml"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(name+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gitCmd(t, dir, "add", "-A")
	gitCmd(t, dir, "commit", "-q", "-m", "start")
	gitCmd(t, dir, "update-index", "--skip-worktree", "skip.yaml")
	if err := os.WriteFile(filepath.Join(dir, "later.yaml"), []byte("later\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitCmd(t, dir, "add", "-N", "later.yaml")
	for _, version := range []string{"2", "3", "4"} {
		if version != "3" { // intent-to-add needs version 3 or later; git upgrades 2 itself
			gitCmd(t, dir, "update-index", "--index-version", version)
		}
		data, err := os.ReadFile(filepath.Join(dir, ".git", "index"))
		if err != nil {
			t.Fatal(err)
		}
		var want index.Index
		if err := index.NewDecoder(strings.NewReader(string(data))).Decode(&want); err != nil {
			t.Fatal(err)
		}
		for _, prefix := range []string{"", "requests/"} {
			got, err := parseIndex(data, prefix)
			if err != nil {
				t.Fatalf("version %s: %v", version, err)
			}
			n := 0
			for _, e := range want.Entries {
				name, ok := strings.CutPrefix(e.Name, prefix)
				if !ok {
					continue
				}
				n++
				g, ok := got[name]
				usable := !e.SkipWorktree && !e.IntentToAdd && e.Stage == 0
				if !ok || g.hash != e.Hash || g.size != e.Size || g.ino != e.Inode || g.mode != uint32(e.Mode) ||
					g.mtime != goGitStamp(e.ModifiedAt) || g.ctime != goGitStamp(e.CreatedAt) || g.usable != usable {
					t.Errorf("version %s, prefix %q: %s = %+v (found %v), want %+v", version, prefix, name, g, ok, e)
				}
			}
			if len(got) != n {
				t.Errorf("version %s, prefix %q: %d entries, want %d", version, prefix, len(got), n)
			}
		}
		data[len(data)-1] ^= 1
		if _, err := parseIndex(data, ""); err == nil {
			t.Errorf("version %s: a corrupted index was read", version)
		}
	}
}

// goGitStamp undoes go-git's decoding of a time: zero seconds become the
// zero time.
func goGitStamp(t time.Time) stamp {
	if t.IsZero() {
		return stamp{}
	}
	return stampOf(t)
}
