package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// forge commits on the output branch as who, with message and files, and
// returns the commit.
func (hs *history) forge(who, msg string, files map[string]string) string {
	hs.t.Helper()
	hs.onOutput(who, msg, files)
	return hs.git(hs.bare, "rev-parse", "rendered")
}

func TestAuditVerify(t *testing.T) {
	t.Parallel()
	tip := func(hs *history) string { return hs.git(hs.bare, "log", "-1", "--format=%B", "rendered") }
	cases := []struct {
		name string
		// tamper changes the history and returns the commit that breaks
		// the chain and what verification must say of it.
		tamper func(hs *history) (commit, status, says string)
	}{
		{"hand edit", func(hs *history) (string, string, string) {
			c := hs.forge("Ops Person", "Hotfix", map[string]string{"rendered/staging/payments/refunds/terraform/main.tf": "# by hand\n"})
			return c, "hand-edit", "modified rendered/staging/payments/refunds/terraform/main.tf"
		}},
		{"file removed without trailers", func(hs *history) (string, string, string) {
			c := hs.forge("Ops Person", "Remove a file", map[string]string{"rendered/staging/payments/refunds/terraform/main.tf": ""})
			return c, "hand-edit", "deleted rendered/staging/payments/refunds/terraform/main.tf"
		}},
		{"merge of a hand-edited branch", func(hs *history) (string, string, string) {
			hs.git(hs.work, "fetch", "-q", "origin", "rendered")
			hs.git(hs.work, "checkout", "-q", "-B", "side", "origin/rendered")
			hs.gitAs(hs.work, "Ops Person", "commit", "-q", "--allow-empty", "-m", "Empty")
			hs.git(hs.work, "checkout", "-q", "-B", "side2", "origin/rendered")
			if err := os.WriteFile(filepath.Join(hs.work, "rendered/staging/payments/returns/terraform/main.tf"), []byte("# by hand\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			hs.gitAs(hs.work, "Ops Person", "commit", "-q", "-am", "Edit")
			hs.gitAs(hs.work, "Ops Person", "checkout", "-q", "side")
			hs.gitAs(hs.work, "Ops Person", "merge", "-q", "--no-ff", "-m", "Merge side2", "side2")
			hs.git(hs.work, "push", "-q", "origin", "side:rendered")
			hs.git(hs.work, "checkout", "-q", "main")
			c := hs.git(hs.bare, "rev-parse", "rendered^2")
			return c, "hand-edit", "a commit by Ops Person"
		}},
		{"trailers copied onto a changed tree", func(hs *history) (string, string, string) {
			c := hs.forge("Ops Person", tip(hs), map[string]string{"rendered/production/payments/orders-db/terraform/main.tf": "# by hand\n"})
			return c, "mismatch", "modified rendered/production/payments/orders-db/terraform/main.tf"
		}},
		{"source commit that does not exist", func(hs *history) (string, string, string) {
			msg := strings.Replace(tip(hs), hs.git(hs.bare, "rev-parse", "main"), strings.Repeat("d", 40), -1)
			c := hs.forge("Ops Person", msg, map[string]string{"NOTE.md": "x\n"})
			return c, "missing-source", "names source commit " + strings.Repeat("d", 40) + ", which does not exist"
		}},
		{"malformed trailers", func(hs *history) (string, string, string) {
			c := hs.forge("Ops Person", "Render\n\nDip-Source-Commit: not-a-commit\nDip-Policy-Bundle: 1.0.0\n", map[string]string{"NOTE.md": "x\n"})
			return c, "malformed", `"not-a-commit" is not a commit id`
		}},
		{"trailers not at the end", func(hs *history) (string, string, string) {
			c := hs.forge("Ops Person", tip(hs)+"\n\nReviewed and amended by hand.\n", map[string]string{"NOTE.md": "x\n"})
			return c, "malformed", "not in the trailer block at the end of the message"
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			hs := buildHistory(t, false)
			commit, status, says := c.tamper(hs)
			code, out, errOut := dip(t, "audit", "--repo", hs.clone(), "--verify")
			if code != 1 {
				t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
			}
			line := "FAIL " + commit[:12]
			i := strings.Index(out, line)
			if i < 0 {
				t.Fatalf("no %q in\n%s", line, out)
			}
			rest := out[i:]
			if !strings.HasPrefix(strings.Fields(rest)[3], status) {
				t.Errorf("status %q, want %q:\n%s", strings.Fields(rest)[3], status, out)
			}
			if !strings.Contains(rest, says) {
				t.Errorf("verification does not say %q:\n%s", says, out)
			}
			if !strings.Contains(out, "the chain breaks at "+commit[:12]) {
				t.Errorf("the broken chain is not pinned on %s:\n%s", commit[:12], out)
			}
		})
	}
}

// A source commit a force-push took off the default branch is reported:
// in a clone it no longer exists; where it still does, it is not on the
// branch.
func TestAuditVerifyForcePushedSource(t *testing.T) {
	t.Parallel()
	hs := buildHistory(t, false)
	gone := hs.git(hs.work, "rev-parse", "main")
	hs.git(hs.work, "reset", "-q", "--hard", "main~1")
	hs.commit("main", "Rewritten history", map[string]string{"README.md": "rewritten\n"})
	hs.git(hs.work, "push", "-q", "-f", "origin", "main")
	for dir, want := range map[string]string{
		hs.clone(): "missing-source names source commit " + gone + ", which does not exist in this repository",
		hs.bare:    "source commit " + gone[:12] + " is not on the default branch main",
	} {
		code, out, errOut := dip(t, "audit", "--repo", dir, "--verify")
		if code != 1 || !strings.Contains(out, want) {
			t.Errorf("%s: exit %d, want 1 and %q\n%s%s", dir, code, want, out, errOut)
		}
	}
}

// An untouched history verifies, though a person added a note and an
// older dip made the first render.
func TestAuditVerifyUntouched(t *testing.T) {
	t.Parallel()
	hs := buildHistory(t, false)
	code, out, errOut := dip(t, "audit", "--repo", hs.clone(), "--verify")
	if code != 0 {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"the chain is unbroken", "other-version", "not tampering", "by-person"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// A window of time, and the last render alone, as after an upgrade.
	code, out, _ = dip(t, "audit", "--repo", hs.bare, "--verify", "--since", "2026-03-01T16:00:00Z", "--until", "2026-03-01T20:00:00Z")
	if code != 0 || strings.Count(out, "\n") != 3 || strings.Contains(out, "other-version") {
		t.Errorf("--since/--until: exit %d\n%s", code, out)
	}
	code, out, _ = dip(t, "audit", "--repo", hs.bare, "--verify", "--last", "1")
	if code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(out, "verified") {
		t.Errorf("--last 1: exit %d\n%s", code, out)
	}
}

// A shallow clone gives a partial result that says so, and exit 1.
func TestAuditShallowClone(t *testing.T) {
	t.Parallel()
	hs := buildHistory(t, false)
	dir := hs.clone("--depth", "2", "--no-single-branch")
	for _, args := range [][]string{nil, {"--verify"}} {
		code, out, errOut := dip(t, append([]string{"audit", "--repo", dir}, args...)...)
		if code != 1 || !strings.Contains(out, "PARTIAL: ") || !strings.Contains(out, "shallow") {
			t.Errorf("%v: exit %d, want 1 and a partial result\n%s%s", args, code, out, errOut)
		}
	}
}

// Usage errors and clones without an output branch exit 2 with a clear
// message.
func TestAuditUsage(t *testing.T) {
	t.Parallel()
	hs := buildHistory(t, false)
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.MkdirAll(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"--format", "sarif"}, "--format"},
		{[]string{"--since", "yesterday"}, "--since"},
		{[]string{"--since", "2026-03-02", "--until", "2026-03-01"}, "is not before"},
		{[]string{"--verify", "--exceptions"}, "do not go together"},
		{[]string{"--verify", "--team", "payments"}, "--verify checks whole commits"},
		{[]string{"--exceptions", "--last", "3"}, "--exceptions lists"},
		{[]string{"--branch", "nope"}, "branch nope"},
		{[]string{"--repo", empty}, "not inside a git repository"},
	} {
		args := append([]string{"audit", "--repo", hs.bare}, c.args...)
		code, out, errOut := dip(t, args...)
		if code != 2 || !strings.Contains(errOut, c.says) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q\n%s", c.args, code, errOut, c.says, out)
		}
	}
}
