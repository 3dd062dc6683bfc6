package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dipdev/dip/app/audit"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/audit/name, rewritten with -update.
// Commit ids are replaced by names, so that a change of the renderers'
// bytes (which changes the render commits' ids) leaves the goldens alone.
func golden(t *testing.T, hs *history, name, got string) {
	t.Helper()
	got = hs.names(got)
	p := filepath.Join("testdata", "audit", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v; run go test ./cmd/dip -run %s -update", err, t.Name())
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

var hashRE = regexp.MustCompile(`\b[0-9a-f]{40}\b|\b[0-9a-f]{12}\b`)

// names replaces every commit id of the remote, whole or shortened, with
// main-N or rendered-N, its place on its branch counted from the first.
func (hs *history) names(s string) string {
	names := map[string]string{}
	for _, branch := range []string{"main", "rendered"} {
		ids := strings.Fields(hs.git(hs.bare, "rev-list", "--topo-order", "--reverse", branch))
		for i, id := range ids {
			if _, ok := names[id]; !ok {
				n := fmt.Sprintf("%s-%02d", branch, i+1)
				names[id], names[id[:12]] = n, n
			}
		}
	}
	return hashRE.ReplaceAllStringFunc(s, func(h string) string {
		if n, ok := names[h]; ok {
			return "<" + n + ">"
		}
		return h
	})
}

func TestAuditGolden(t *testing.T) {
	t.Parallel()
	hs := buildHistory(t, true)
	clone := hs.clone()
	for _, c := range []struct {
		name string
		args []string
		code int
	}{
		{"records.txt", nil, 0},
		{"records.json", []string{"--format", "json"}, 0},
		{"records.csv", []string{"--format", "csv"}, 0},
		{"payments-db.txt", []string{"--team", "payments", "--kind", "postgresdatabase"}, 0},
		{"deleted.txt", []string{"--request", "requests/catalog/reindex.yaml"}, 0},
		{"since.txt", []string{"--since", "2026-03-01T14:00:00Z", "--until", "2026-03-01"}, 0},
		{"verify.txt", []string{"--verify"}, 1},
		{"verify.json", []string{"--verify", "--format", "json"}, 1},
		{"exceptions.txt", []string{"--exceptions", "--today", "2026-03-10"}, 0},
		{"exceptions-catalog.txt", []string{"--exceptions", "--today", "2026-03-10", "--team", "catalog"}, 0},
		{"exceptions.csv", []string{"--exceptions", "--today", "2026-03-10", "--format", "csv"}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := dip(t, append([]string{"audit", "--repo", clone}, c.args...)...)
			if code != c.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, c.code, out, errOut)
			}
			golden(t, hs, c.name, out)
		})
	}
}

// Fields with a comma, a quote and a newline survive a CSV reader.
func TestAuditCSVRoundTrip(t *testing.T) {
	t.Parallel()
	hs := buildHistory(t, false)
	code, out, errOut := dip(t, "audit", "--repo", hs.clone(), "--format", "csv", "--request", "requests/payments/orders-db.yaml")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := "terraform.restrict_instance_types until 2026-03-25: needs \"legacy\" sizing, see SEC-7\nuntil the migration ends"
	found := false
	for _, row := range rows[1:] {
		if len(row) != len(rows[0]) {
			t.Fatalf("row of %d fields, header of %d", len(row), len(rows[0]))
		}
		found = found || strings.Contains(row[len(row)-1], want)
	}
	if !found {
		t.Errorf("no row holds the reason as written; rows: %q", rows)
	}
}

// The JSON form is one document with the records in commit order.
func TestAuditJSON(t *testing.T) {
	t.Parallel()
	hs := buildHistory(t, false)
	code, out, errOut := dip(t, "audit", "--repo", hs.bare, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var log struct {
		Records []struct {
			Request, Action string
			Pulls           []struct{ Number int } `json:"pull_requests"`
		}
		Problems []any
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range log.Records {
		got = append(got, r.Action+" "+r.Request)
	}
	want := []string{
		"created requests/catalog/reindex.yaml", "created requests/payments/orders-db.yaml",
		"created requests/payments/refunds.yaml",
		"changed requests/payments/orders-db.yaml",
		"changed requests/payments/orders-db.yaml",
		"deleted requests/catalog/reindex.yaml", "created requests/payments/returns.yaml",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if n := len(log.Records[len(log.Records)-1].Pulls); n != 2 {
		t.Errorf("the last render records %d pull requests, want 2 (two merges, one push)", n)
	}
}

// TestAuditLogExtends reads the records of the golden history at every
// commit of the output branch and extends each to the tip, as dip serve's
// GET /audit does after a render: the same log as reading the whole
// history at the tip. A merge on the output branch is not extended.
func TestAuditLogExtends(t *testing.T) {
	t.Parallel()
	hs := buildHistory(t, true)
	r, err := git.PlainOpen(hs.bare)
	if err != nil {
		t.Fatal(err)
	}
	out, err := audit.ResolveBranch(r, "rendered")
	if err != nil {
		t.Fatal(err)
	}
	whole := func(tip plumbing.Hash) *audit.Log {
		t.Helper()
		h, err := audit.ReadHistory(r, "rendered", tip)
		if err != nil {
			t.Fatal(err)
		}
		return audit.Records(r, h, audit.Filter{})
	}
	want := whole(out.Tip)
	h, err := audit.ReadHistory(r, "rendered", out.Tip)
	if err != nil {
		t.Fatal(err)
	}
	extended := 0
	for _, c := range h.Commits {
		base, before := whole(c.Hash), whole(c.Hash)
		got, ok, err := base.Extend(r, out.Tip)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			continue // a merge between c and the tip
		}
		extended++
		if diff := cmp.Diff(want, got, cmpopts.IgnoreUnexported(audit.Log{})); diff != "" {
			t.Errorf("extended from %s (-whole +extended):\n%s", c.Hash, diff)
		}
		// What the log was extended from is left as it was.
		if diff := cmp.Diff(before, base, cmpopts.IgnoreUnexported(audit.Log{})); diff != "" {
			t.Errorf("extending changed the log of %s:\n%s", c.Hash, diff)
		}
	}
	if extended < len(h.Commits)/2 {
		t.Errorf("extended from %d of %d commits", extended, len(h.Commits))
	}

	// Two extensions of one log, to the tip and to another child of its
	// tip, do not share what they add.
	n, last := -1, -1 // the first and the last render commits
	for i, c := range h.Commits {
		if c.Trail != nil {
			last = i
			if n < 0 {
				n = i
			}
		}
	}
	from := whole(h.Commits[n].Hash)
	from.Records = slices.Grow(from.Records, 64) // room an append could share
	toTip, ok, err := from.Extend(r, out.Tip)
	if err != nil || !ok {
		t.Fatalf("extend from the middle: %v %v", ok, err)
	}
	snapshot := whole(out.Tip)
	fork := hs.git(hs.bare, "commit-tree", out.Tip.String()+"^{tree}", "-p", h.Commits[n].Hash.String(),
		"-m", hs.git(hs.bare, "log", "-1", "--format=%B", h.Commits[last].Hash.String()))
	if _, ok, err := from.Extend(r, plumbing.NewHash(fork)); err != nil || !ok {
		t.Fatalf("extend to another child: %v %v", ok, err)
	}
	if diff := cmp.Diff(snapshot, toTip, cmpopts.IgnoreUnexported(audit.Log{})); diff != "" {
		t.Errorf("a second extension changed the first:\n%s", diff)
	}

	// A filtered log, and a tip that merges, are read whole.
	hf, _ := audit.ReadHistory(r, "rendered", h.Commits[0].Hash)
	if _, ok, _ := audit.Records(r, hf, audit.Filter{Team: "payments"}).Extend(r, out.Tip); ok {
		t.Errorf("a filtered log was extended")
	}
	merge := hs.git(hs.bare, "commit-tree", out.Tip.String()+"^{tree}", "-p", out.Tip.String(), "-p", h.Commits[0].Hash.String(), "-m", "Merge by a person")
	if _, ok, _ := want.Extend(r, plumbing.NewHash(merge)); ok {
		t.Errorf("a merge was extended over")
	}
	if got, ok, _ := want.Extend(r, out.Tip); !ok || got != want {
		t.Errorf("extending to its own tip gave another log")
	}
}
