package gitfs_test

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/dipdev/dip/platform"
)

// TestPlatformLoad loads a platform repo kept in a directory of a larger
// repository, as it was at an earlier commit.
func TestPlatformLoad(t *testing.T) {
	dir := t.TempDir()
	run(t, dir, "init", "-q", "-b", "main")
	write(t, dir, "infra/platform/platform.yaml", "name: acme\n")
	write(t, dir, "infra/platform/teams/payments.yaml", "name: payments\n")
	write(t, dir, "infra/platform/requests/payments/db.yaml", "kind: database\n")
	symlink(t, dir, "db.yaml", "infra/platform/requests/payments/alias.yaml")
	run(t, dir, "add", "-A")
	run(t, dir, "commit", "-q", "-m", "first")
	run(t, dir, "rm", "-q", "-r", "infra/platform/requests")
	run(t, dir, "commit", "-q", "-m", "second")

	sub, err := fs.Sub(open(t, dir, "HEAD~1"), "infra/platform")
	if err != nil {
		t.Fatal(err)
	}
	src, err := platform.Load(sub)
	if err != nil {
		t.Fatal(err)
	}
	if src.Platform == nil || len(src.Teams) != 1 || len(src.Requests) != 1 {
		t.Errorf("loaded %d teams and %d requests; want one of each and the platform", len(src.Teams), len(src.Requests))
	}
	if len(src.Diagnostics) != 1 || !strings.Contains(src.Diagnostics[0].Error(), "symbolic links are not followed") {
		t.Errorf("diagnostics = %v, want one for the link", src.Diagnostics)
	}

	linked := t.TempDir()
	run(t, linked, "init", "-q", "-b", "main")
	write(t, linked, "real.yaml", "name: acme\n")
	symlink(t, linked, "real.yaml", "platform.yaml")
	run(t, linked, "add", "-A")
	run(t, linked, "commit", "-q", "-m", "linked platform.yaml")
	if _, err := platform.Load(open(t, linked, "HEAD")); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Load with platform.yaml a link = %v", err)
	}
}
