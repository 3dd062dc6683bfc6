package bench_test

import (
	"path/filepath"
	"testing"

	"github.com/dipdev/dip/app/audit"
	"github.com/dipdev/dip/internal/bench"
	"github.com/dipdev/dip/vcs/gitfs"
)

// A generated history reads as dip serve's: one record per change, and
// every render commit verifies.
func TestGenerateHistory(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "history.git")
	if err := bench.GenerateHistory(dir, 30, 7); err != nil {
		t.Fatal(err)
	}
	r, err := gitfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	out, err := audit.ResolveBranch(r, "rendered")
	if err != nil {
		t.Fatal(err)
	}
	h, err := audit.ReadHistory(r, "rendered", out.Tip)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Commits) != 31 {
		t.Fatalf("%d render commits, want 31", len(h.Commits))
	}
	log := audit.Records(r, h, audit.Filter{})
	if len(log.Records) != 7+30 || len(log.Problems) > 0 {
		t.Fatalf("%d records, problems %v", len(log.Records), log.Problems)
	}
	if a := log.Records[7].Action; a != audit.Changed {
		t.Errorf("the first change is %s", a)
	}
	main, err := audit.ResolveBranch(r, "main")
	if err != nil {
		t.Fatal(err)
	}
	v := audit.Verify(r, h, audit.VerifyOptions{Bundle: "1.0.0", Default: "main", DefaultTip: main.Tip})
	if v.Failures > 0 || v.Partial != "" {
		t.Fatalf("verification failed: %+v", v.Checks)
	}
	for _, c := range v.Checks {
		if c.Status != audit.Verified {
			t.Errorf("%s: %s %s", c.Commit, c.Status, c.Message)
		}
	}
}
