package linediff_test

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dipdev/dip/internal/linediff"
)

// apply rebuilds b from the ops of a comparison of a and b.
func apply(t *testing.T, a []string, ops []linediff.Op) string {
	t.Helper()
	var out strings.Builder
	i := 0
	for _, op := range ops {
		switch op.Kind {
		case linediff.Keep, linediff.Remove:
			if i >= len(a) || a[i] != op.Line {
				t.Fatalf("op %q does not match line %d of a", op.Line, i)
			}
			i++
			if op.Kind == linediff.Keep {
				out.WriteString(op.Line)
			}
		case linediff.Add:
			out.WriteString(op.Line)
		}
	}
	if i != len(a) {
		t.Fatalf("ops cover %d of %d lines", i, len(a))
	}
	return out.String()
}

func randomText(r *rand.Rand, words []string) string {
	var b strings.Builder
	for range r.IntN(40) {
		b.WriteString(words[r.IntN(len(words))])
		b.WriteString("\n")
	}
	if r.IntN(4) == 0 {
		b.WriteString("no final newline")
	}
	return b.String()
}

func TestCompareRebuilds(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	words := []string{"a", "b", "c", "d", "e", "f", "a: 1", ""}
	for range 2000 {
		a, b := randomText(r, words), randomText(r, words)
		ops := linediff.Compare(linediff.Lines([]byte(a)), linediff.Lines([]byte(b)))
		if got := apply(t, linediff.Lines([]byte(a)), ops); got != b {
			t.Fatalf("ops of\n%q\n%q\nrebuild %q", a, b, got)
		}
	}
}

func TestUnified(t *testing.T) {
	a := "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n"
	b := "1\n2\nthree\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n15\nsixteen"
	want := `--- a/f
+++ b/f
@@ -1,6 +1,6 @@
 1
 2
-3
+three
 4
 5
 6
@@ -11,5 +11,5 @@
 11
 12
 13
-14
 15
+sixteen
\ No newline at end of file
`
	if got := linediff.Unified("a/f", "b/f", []byte(a), []byte(b)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := linediff.Unified("a/f", "b/f", []byte(a), []byte(a)); got != "" {
		t.Errorf("equal texts give %q", got)
	}
	if got := linediff.Unified("a/f", "b/f", nil, []byte("x\n")); got != "--- a/f\n+++ b/f\n@@ -0,0 +1 @@\n+x\n" {
		t.Errorf("from empty: %q", got)
	}
}

// The diffs apply with git apply and with patch -p1, CRLF files and
// missing final line breaks included.
func TestUnifiedApplies(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	words := []string{"alpha", "beta", "gamma\r", "delta", "  indented", "-", "+", "@@ x", "\\ y"}
	for _, tool := range []string{"git", "patch"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	for i := range 40 {
		a, b := randomText(r, words), randomText(r, words)
		if i == 0 {
			a, b = "", "new\n"
		}
		for _, tool := range []string{"git", "patch"} {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "f.yaml"), []byte(a), 0o644); err != nil {
				t.Fatal(err)
			}
			diff := linediff.Unified("a/f.yaml", "b/f.yaml", []byte(a), []byte(b))
			if diff == "" {
				continue
			}
			var cmd *exec.Cmd
			if tool == "git" {
				cmd = exec.Command("git", "apply", "--unsafe-paths", "--whitespace=nowarn", "-")
			} else {
				cmd = exec.Command("patch", "-p1", "--quiet", "--no-backup-if-mismatch")
			}
			cmd.Dir = dir
			cmd.Stdin = strings.NewReader(diff)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s does not apply the diff of %q to %q: %v\n%s\n%s", tool, a, b, err, out, diff)
			}
			got, err := os.ReadFile(filepath.Join(dir, "f.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != b {
				t.Fatalf("%s gives %q, want %q\n%s", tool, got, b, diff)
			}
		}
	}
}

func TestCompareBoundsLargeChanges(t *testing.T) {
	var a, b strings.Builder
	for i := range 20000 {
		a.WriteString(strings.Repeat("a", i%7) + "\n")
		b.WriteString(strings.Repeat("b", i%5) + "\n")
	}
	ops := linediff.Compare(linediff.Lines([]byte(a.String())), linediff.Lines([]byte(b.String())))
	if got := apply(t, linediff.Lines([]byte(a.String())), ops); got != b.String() {
		t.Fatal("large comparison does not rebuild the second text")
	}
}
