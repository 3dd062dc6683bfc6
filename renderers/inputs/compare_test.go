package inputs_test

import (
	"bytes"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dipdev/dip/checks/validate"
	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers"
	"github.com/dipdev/dip/renderers/inputs"
)

// template is the platform repo template, with catalog-api also using
// payments' queue, so that one team's render looks up another team.
func template(t *testing.T) fstest.MapFS {
	t.Helper()
	dir := os.DirFS("../../platform-repo-template")
	m := fstest.MapFS{}
	err := fs.WalkDir(dir, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(dir, p)
		m[p] = &fstest.MapFile{Data: data, Mode: 0o644}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	edit(t, m, "requests/catalog/catalog-api.yaml", "    - {kind: Bucket, name: product-images}\n",
		"    - {kind: Bucket, name: product-images}\n    - {kind: Queue, name: order-events}\n")
	return m
}

func edit(t *testing.T, m fstest.MapFS, file, old, new string) {
	t.Helper()
	f := m[file]
	if f == nil || !bytes.Contains(f.Data, []byte(old)) {
		t.Fatalf("%s does not contain %q", file, old)
	}
	m[file] = &fstest.MapFile{Data: bytes.Replace(f.Data, []byte(old), []byte(new), 1), Mode: f.Mode}
}

func repoOf(t *testing.T, fsys fs.FS) *platform.Repo {
	t.Helper()
	src, err := platform.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	repo, diags := validate.Repo(src)
	if repo == nil || diags.HasErrors() {
		t.Fatalf("invalid repo: %v", diags.Errors())
	}
	return repo
}

// rendersAlike reports whether x in a and y in b render the same files
// and the same error.
func rendersAlike(a *platform.Repo, x *platform.Request, b *platform.Repo, y *platform.Request) bool {
	fx, ex := renderers.Request(a, x)
	fy, ey := renderers.Request(b, y)
	if (ex == nil) != (ey == nil) || ex != nil && ex.Error() != ey.Error() {
		return false
	}
	byPath := func(p, q renderers.File) int { return strings.Compare(p.Path, q.Path) }
	slices.SortFunc(fx, byPath)
	slices.SortFunc(fy, byPath)
	return slices.EqualFunc(fx, fy, func(p, q renderers.File) bool {
		return p.Path == q.Path && p.Env == q.Env && p.Source == q.Source && bytes.Equal(p.Data, q.Data)
	})
}

// Changing any input a render reads makes the comparison of that render
// fail, in the request rendered and in every request that looks it up;
// changing what no render reads leaves every comparison proved. Every
// render proved the same does render the same.
func TestComparisonMissesEveryChangedInput(t *testing.T) {
	t.Parallel()
	all := []string{"*"}
	both := []string{"staging", "production"}
	for _, tc := range []struct {
		name      string
		file      string
		old, new  string
		different []string // the requests whose comparison must fail; * for all
		// disagree are the environments in which some lookup is
		// answered differently.
		disagree []string
	}{
		// What renders read.
		{"platform name", "platform.yaml", "  name: acme\n", "  name: acme-corp\n", all, nil},
		{"environment region", "platform.yaml", "    - name: production\n      region: eu-west-1\n",
			"    - name: production\n      region: eu-central-1\n", all, nil},
		{"team cost center", "teams/payments.yaml", "costCenter: cc-1234", "costCenter: cc-9999",
			[]string{"payments/", "catalog/catalog-api"}, both},
		{"spec field", "requests/payments/orders-db.yaml", "  version: \"16\"\n", "  version: \"15\"\n",
			[]string{"payments/orders-db", "payments/orders-api"}, both},
		{"override in one environment", "requests/payments/orders-db.yaml", "      backupRetentionDays: 14\n",
			"      backupRetentionDays: 15\n", []string{"payments/orders-db", "payments/orders-api"}, []string{"production"}},
		{"environments", "requests/catalog/reindex.yaml", "environments: [staging, production]", "environments: [staging]",
			[]string{"catalog/reindex"}, both},
		{"looked-up queue", "requests/payments/order-events.yaml", "visibilityTimeoutSeconds: 60", "visibilityTimeoutSeconds: 61",
			[]string{"payments/order-events", "payments/orders-api", "catalog/catalog-api"}, both},
		{"request no one uses", "requests/identity/login-dns.yaml", "ttl: 300", "ttl: 60",
			[]string{"identity/login-dns"}, both},
		// What no render reads.
		{"team owners", "teams/payments.yaml", `owners: ["@acme/payments"]`, `owners: ["@acme/payments", "@acme/sre"]`, nil, nil},
		{"comment", "requests/payments/orders-db.yaml", "# The orders database.", "# The database of orders.", nil, nil},
		{"allowed regions", "platform.yaml", "allowedRegions: [eu-west-1, eu-central-1]",
			"allowedRegions: [eu-west-1, eu-central-1, us-east-1]", nil, nil},
		{"apiVersion, migrated", "requests/payments/orders-db.yaml",
			"apiVersion: dip/v2\nkind: PostgresDatabase\nmetadata:\n  name: orders-db\n  team: payments\nspec:\n  environments: [staging, production]\n  instanceClass: db.t4g.small\n  version: \"16\"\n  storage:\n    sizeGB: 20\n  backupRetentionDays: 7\n  overrides:\n    production:\n      instanceClass: db.m6g.large\n      storage:\n        sizeGB: 100\n",
			"apiVersion: dip/v1\nkind: PostgresDatabase\nmetadata:\n  name: orders-db\n  team: payments\nspec:\n  environments: [staging, production]\n  size: small\n  version: \"16\"\n  storageGB: 20\n  backupRetentionDays: 7\n  overrides:\n    production:\n      size: medium\n      storageGB: 100\n",
			nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := template(t)
			changed := template(t)
			edit(t, changed, tc.file, tc.old, tc.new)
			a, b := repoOf(t, base), repoOf(t, changed)
			c := inputs.NewComparison(a, b)
			for _, env := range []string{"staging", "production"} {
				if got, want := inputs.Agrees(c, env), !slices.Contains(tc.disagree, env); got != want {
					t.Errorf("%s: every lookup answered alike: %v, want %v", env, got, want)
				}
			}
			for _, x := range a.Requests {
				y := b.Find(x.Kind, x.Name)
				want := !slices.ContainsFunc(tc.different, func(d string) bool {
					return d == "*" || strings.HasPrefix(strings.TrimPrefix(x.File, "requests/"), d)
				})
				same := c.Same(x, y)
				if same != want {
					t.Errorf("%s: proved the same: %v, want %v", x.File, same, want)
				}
				if same && !rendersAlike(a, x, b, y) {
					t.Errorf("%s: proved the same, renders differently", x.File)
				}
			}
		})
	}
}

// Comparing a repo with itself proves every render without rendering,
// and a request with another, or with none, proves nothing.
func TestComparisonOfTheSameRepo(t *testing.T) {
	t.Parallel()
	a, b := repoOf(t, template(t)), repoOf(t, template(t))
	c := inputs.NewComparison(a, b)
	for _, x := range a.Requests {
		if !c.Same(x, b.Find(x.Kind, x.Name)) {
			t.Errorf("%s: not proved the same", x.File)
		}
		if c.Same(x, nil) {
			t.Errorf("%s: the same as no request", x.File)
		}
	}
	if x, y := a.Find("Queue", "order-events"), b.Find("Secret", "stripe-api-key"); c.Same(x, y) {
		t.Errorf("%s is proved the same as %s", x.File, y.File)
	}
}

// Rendering changes nothing a render reads: the premise that a render
// before and one after see what their digests saw.
func TestRenderingChangesNothingItReads(t *testing.T) {
	t.Parallel()
	repo := repoOf(t, template(t))
	digests := func() []inputs.Digest {
		var out []inputs.Digest
		for _, r := range repo.Requests {
			for _, env := range r.Environments {
				d, ok := inputs.Own(repo, r, env)
				if !ok {
					t.Fatalf("%s: not digested for %s", r.File, env)
				}
				out = append(out, d)
			}
		}
		return out
	}
	before := digests()
	if _, diags := renderers.Render(repo); len(diags) > 0 {
		t.Fatal(diags)
	}
	if !slices.Equal(before, digests()) {
		t.Error("rendering the repo changed what its renders read")
	}
}
