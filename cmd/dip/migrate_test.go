package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// v1Files are the template's requests that are dip/v2, as written in
// dip/v1 (app/pipeline/testdata/template-v1).
var v1Files = []string{"requests/payments/orders-db.yaml", "requests/payments/orders-api.yaml", "requests/catalog/catalog-api.yaml"}

// templateV1 copies the template with those requests in dip/v1.
func templateV1(t *testing.T) string {
	t.Helper()
	repo := template(t)
	for _, f := range v1Files {
		data, err := os.ReadFile(filepath.Join("../../app/pipeline/testdata/template-v1", f))
		if err != nil {
			t.Fatal(err)
		}
		write(t, repo, f, string(data))
	}
	return repo
}

func read(t *testing.T, repo, f string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repo, filepath.FromSlash(f)))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// A request on a deprecated version is a warning, not a failure.
func TestValidateWarnsOfDeprecatedVersions(t *testing.T) {
	repo := templateV1(t)
	code, out, _ := dip(t, "validate", "--repo", repo)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, want := range []string{
		"requests/payments/orders-db.yaml:3:1: warning: apiVersion: PostgresDatabase dip/v1 is deprecated and dip/v2 replaces it; run dip migrate to move this request (codemod postgresdatabase-v1-to-v2) [deprecated]",
		"13 requests of 3 teams valid, 3 warnings.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = dip(t, "validate", "--repo", repo, "--format", "json")
	var r struct {
		Valid       bool
		Diagnostics []struct{ Severity, Rule string }
	}
	if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil || !r.Valid || len(r.Diagnostics) != 3 || r.Diagnostics[0].Severity != "warning" {
		t.Errorf("json: exit %d, %+v, %v\n%s", code, r, err, out)
	}
	code, out, _ = dip(t, "check", "--repo", repo)
	if code != 0 || !strings.Contains(out, "dip/validate  SUCCESS  13 requests valid, 3 warnings") ||
		!strings.Contains(out, "requests/payments/orders-api.yaml:3:1: warning: apiVersion: Service dip/v1 is deprecated") {
		t.Errorf("check: exit %d\n%s", code, out)
	}
}

// Without --write, dip migrate changes nothing and prints a patch that git
// apply and patch -p1 apply, giving the migrated files.
func TestMigrateDiffApplies(t *testing.T) {
	repo := templateV1(t)
	want := template(t)
	code, out, errOut := dip(t, "migrate", "--repo", repo)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, f := range v1Files {
		if read(t, repo, f) == read(t, want, f) {
			t.Fatalf("%s was written without --write", f)
		}
		if !strings.Contains(out, f+": migrates ") {
			t.Errorf("output does not name %s", f)
		}
	}
	if !strings.Contains(out, "3 requests to migrate: 3 with no change to rendered infrastructure, 0 to review.") {
		t.Errorf("no summary:\n%s", out)
	}
	for _, tool := range [][]string{{"git", "apply", "-"}, {"patch", "-p1", "--quiet"}} {
		if _, err := exec.LookPath(tool[0]); err != nil {
			t.Skipf("%s is not installed", tool[0])
		}
		dir := templateV1(t)
		if tool[0] == "git" {
			run := func(args ...string) {
				if b, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
					t.Fatalf("git %v: %v\n%s", args, err, b)
				}
			}
			run("init", "-q")
		}
		cmd := exec.Command(tool[0], tool[1:]...)
		cmd.Dir, cmd.Stdin = dir, strings.NewReader(out)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s does not take the output: %v\n%s", tool[0], err, b)
		}
		for _, f := range v1Files {
			if read(t, dir, f) != read(t, want, f) {
				t.Errorf("%s: %s after %s is not the migrated file", tool[0], f, tool[0])
			}
		}
	}
}

// --write writes the migrated files atomically, keeping their mode; a
// second run has nothing to do.
func TestMigrateWrite(t *testing.T) {
	repo := templateV1(t)
	want := template(t)
	db := filepath.Join(repo, "requests/payments/orders-db.yaml")
	if err := os.Chmod(db, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := dip(t, "migrate", "--repo", repo, "--write")
	if code != 0 || !strings.Contains(out, "3 requests migrated: 3 with no change to rendered infrastructure") || strings.Contains(out, "+++ b/") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, f := range v1Files {
		if read(t, repo, f) != read(t, want, f) {
			t.Errorf("%s is not the migrated file:\n%s", f, read(t, repo, f))
		}
	}
	if info, err := os.Stat(db); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("mode of the written file: %v %v", info.Mode(), err)
	}
	left, _ := filepath.Glob(filepath.Join(repo, "requests", "*", ".*dip-migrate*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	before, _ := os.Stat(db)
	code, out, _ = dip(t, "migrate", "--repo", repo, "--write")
	after, _ := os.Stat(db)
	if code != 0 || !strings.Contains(out, "Nothing to migrate") || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("second run: exit %d\n%s", code, out)
	}
	if code, out, _ = dip(t, "validate", "--repo", repo); code != 0 || strings.Contains(out, "warning") {
		t.Errorf("validate after the migration: exit %d\n%s", code, out)
	}
}

// A request that cannot be migrated is reported at its line and left as
// it is, with exit code 1; the others are migrated.
func TestMigrateReportsUnsafeRequests(t *testing.T) {
	repo := templateV1(t)
	db := read(t, repo, "requests/payments/orders-db.yaml")
	db = strings.Replace(strings.Replace(db, "  size: small\n", "  size: &size small\n", 1), "      size: medium\n", "      size: *size\n", 1)
	write(t, repo, "requests/payments/orders-db.yaml", db)
	code, out, _ := dip(t, "migrate", "--repo", repo, "--write")
	if code != 1 || !strings.Contains(out, "requests/payments/orders-db.yaml:10:3: postgresdatabase-v1-to-v2 cannot migrate this request safely") ||
		!strings.Contains(out, "2 requests migrated") || !strings.Contains(out, "1 file not migrated") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if read(t, repo, "requests/payments/orders-db.yaml") != db {
		t.Error("the request that cannot be migrated was changed")
	}
}

func TestMigrateJSON(t *testing.T) {
	repo := templateV1(t)
	code, out, _ := dip(t, "migrate", "--repo", repo, "--team", "payments", "--kind", "PostgresDatabase", "--format", "json")
	var r struct {
		Written bool
		Files   []struct {
			Path, Team, Kind, Name, From, To string
			Codemods                         []string
			Equivalent                       bool
			Diff, RenderDiff                 string
		}
		Diagnostics []any
		Summary     struct{ Migrated, Equivalent, Review, Failed int }
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != 0 {
		t.Fatalf("exit %d, %v\n%s", code, err, out)
	}
	if r.Written || len(r.Files) != 1 || r.Diagnostics == nil || r.Summary.Migrated != 1 || r.Summary.Equivalent != 1 {
		t.Fatalf("report %+v", r)
	}
	f := r.Files[0]
	if f.Path != "requests/payments/orders-db.yaml" || f.Team != "payments" || f.Kind != "PostgresDatabase" || f.Name != "orders-db" ||
		f.From != "dip/v1" || f.To != "dip/v2" || len(f.Codemods) != 1 || !f.Equivalent || f.RenderDiff != "" ||
		!strings.HasPrefix(f.Diff, "diff --git a/requests/payments/orders-db.yaml b/requests/payments/orders-db.yaml\n--- a/") {
		t.Errorf("file %+v", f)
	}
}

// --render-both renders both sides of every migrated request, and says
// what the proof from the renderers' inputs says (app/pipeline's tests
// compare the two on migrations that change what is rendered too).
func TestMigrateRenderBoth(t *testing.T) {
	repo := templateV1(t)
	for _, args := range [][]string{{}, {"--format", "json"}, {"--team", "payments"}} {
		proved, outProved, _ := dip(t, append([]string{"migrate", "--repo", repo}, args...)...)
		rendered, outRendered, _ := dip(t, append([]string{"migrate", "--repo", repo, "--render-both"}, args...)...)
		if proved != 0 || !strings.Contains(outProved, "orders-db") || proved != rendered || outProved != outRendered {
			t.Errorf("%v: exit %d and %d, outputs differ:\n%s\n---\n%s", args, proved, rendered, outProved, outRendered)
		}
	}
}

func TestMigrateUsageErrors(t *testing.T) {
	repo := templateV1(t)
	for _, args := range [][]string{
		{"migrate", "--repo", repo, "--kind", "Database"},
		{"migrate", "--repo", repo, "--format", "sarif"},
		{"migrate", "--repo", filepath.Join(repo, "missing")},
		{"migrate", "--repo", filepath.Join(repo, "teams")},
		{"migrate", "--repo", repo, "extra"},
	} {
		if code, out, errOut := dip(t, args...); code != 2 {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	for _, f := range v1Files {
		if !strings.Contains(read(t, repo, f), "apiVersion: dip/v1") {
			t.Errorf("%s changed", f)
		}
	}
}
