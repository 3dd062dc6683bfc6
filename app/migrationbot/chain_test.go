package migrationbot_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/codemods/codemodtest"
)

// templateFiles reads the platform repo template, its dip/v1 requests
// over its dip/v2 ones.
func templateFiles(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]string{}
	for _, dir := range []string{"../../platform-repo-template", "../pipeline/testdata/template-v1"} {
		err := fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(filepath.Join(dir, p))
			files[p] = string(b)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// A chain dip/v1 → dip/v2 → dip/v3 (a test-only dip/v3 of Service) is
// one pull request per team, on the branch of the codemod that ends the
// chain, with a trailer for every codemod applied; requests already on
// dip/v2 share it.
func TestChainedMigrations(t *testing.T) {
	reg, err := codemodtest.Register()
	if err != nil {
		t.Fatal(err)
	}
	files := templateFiles(t)
	files["platform.yaml"] = strings.Replace(files["platform.yaml"], "  output:\n", "  migrations: {maxNewPullRequestsPerHour: 10}\n  output:\n", 1)
	// orders-api is already on dip/v2; catalog-api is on dip/v1.
	v2, err := os.ReadFile("../../platform-repo-template/requests/payments/orders-api.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files["requests/payments/orders-api.yaml"] = string(v2)
	e := newEnv(t, files)
	e.bot.Plan = func(fsys fs.FS) (*pipeline.Migration, error) {
		return pipeline.Migrate(fsys, pipeline.MigrateOptions{Codemods: reg})
	}
	res, _ := e.run()
	want := "dip/migrate/postgresdatabase-v1-to-v2/payments dip/migrate/service-v2-to-v3/catalog dip/migrate/service-v2-to-v3/payments"
	if got := strings.Join(res.Opened, " "); got != want {
		t.Fatalf("opened %q, want %q", got, want)
	}
	msg := e.o.show("dip/migrate/service-v2-to-v3/catalog")
	if !strings.HasSuffix(msg, "\n\nDip-Codemod: service-v1-to-v2\nDip-Codemod: service-v2-to-v3") {
		t.Errorf("chained commit:\n%s", msg)
	}
	if msg := e.o.show("dip/migrate/service-v2-to-v3/payments"); strings.Contains(msg, "service-v1-to-v2") {
		t.Errorf("a dip/v2 request's commit names the dip/v1 codemod:\n%s", msg)
	}
	p := e.pull("dip/migrate/service-v2-to-v3/catalog")
	if p.Title != "Migrate team catalog to Service dip/v3" ||
		!strings.Contains(p.Body, "`requests/catalog/catalog-api.yaml` | Service dip/v1 → dip/v3 | no change") ||
		!strings.Contains(p.Body, "the codemods `service-v1-to-v2`, `service-v2-to-v3`") {
		t.Errorf("pull request %q:\n%s", p.Title, p.Body)
	}
	if _, writes := e.run(); len(writes) > 0 {
		t.Errorf("re-run wrote: %s", methods(writes))
	}
}
