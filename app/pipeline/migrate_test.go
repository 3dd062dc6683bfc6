package pipeline_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/codemods"
	"github.com/dipdev/dip/internal/bench"
	"github.com/dipdev/dip/platform"
)

// templateV1 is the platform repo template with its dip/v2 requests as
// they were written in dip/v1 (testdata/template-v1).
func templateV1(t *testing.T) fstest.MapFS {
	t.Helper()
	m := templateFS(t)
	old := os.DirFS("testdata/template-v1")
	for _, f := range []string{"requests/payments/orders-db.yaml", "requests/payments/orders-api.yaml", "requests/catalog/catalog-api.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata/template-v1", f))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := old.Open(f); err != nil || m[f] == nil {
			t.Fatalf("%s is not in the template: %v", f, err)
		}
		m[f] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	return m
}

func migrate(t *testing.T, fsys fstest.MapFS, opt pipeline.MigrateOptions) *pipeline.Migration {
	t.Helper()
	m, err := pipeline.Migrate(fsys, opt)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// written is fsys with the migration's files written.
func written(fsys fstest.MapFS, m *pipeline.Migration) fstest.MapFS {
	out := clone(fsys)
	for _, f := range m.Files {
		out[f.Path] = &fstest.MapFile{Data: f.After, Mode: 0o644}
	}
	return out
}

// Migrating the template's requests from dip/v1 renders the same
// infrastructure and gives exactly the template's dip/v2 files; migrating
// again changes nothing.
func TestMigrateTemplate(t *testing.T) {
	v1 := templateV1(t)
	m := migrate(t, v1, pipeline.MigrateOptions{})
	if len(m.Diagnostics) > 0 {
		t.Errorf("diagnostics: %v", m.Diagnostics)
	}
	template := templateFS(t)
	var paths []string
	for _, f := range m.Files {
		paths = append(paths, f.Path)
		if !f.Equivalent || f.RenderDiff != "" {
			t.Errorf("%s: not equivalent:\n%s", f.Path, f.RenderDiff)
		}
		if f.From != "dip/v1" || f.To != "dip/v2" || len(f.Codemods) != 1 || f.Codemods[0] != platform.CodemodName(f.Kind, f.From, f.To) {
			t.Errorf("%s: %s → %s by %v", f.Path, f.From, f.To, f.Codemods)
		}
		if !bytes.Equal(f.Before, v1[f.Path].Data) {
			t.Errorf("%s: Before is not the file", f.Path)
		}
		if !bytes.Equal(f.After, template[f.Path].Data) {
			t.Errorf("%s: migrated, it is not the template's dip/v2 file:\n%s", f.Path, f.After)
		}
		if f.Team == "" || f.Name == "" || f.Kind == "" {
			t.Errorf("%s: team %q, name %q, kind %q", f.Path, f.Team, f.Name, f.Kind)
		}
	}
	want := []string{"requests/catalog/catalog-api.yaml", "requests/payments/orders-api.yaml", "requests/payments/orders-db.yaml"}
	if !slices.Equal(paths, want) {
		t.Errorf("migrated %v, want %v", paths, want)
	}
	if again := migrate(t, written(v1, m), pipeline.MigrateOptions{}); len(again.Files)+len(again.Diagnostics) > 0 {
		t.Errorf("a second migration: %+v", again)
	}
}

// A generated repo of 1,000 dip/v1 requests migrates to the same repo
// generated on the newest versions, with no change to what it renders.
func TestMigrateGeneratedRepo(t *testing.T) {
	if testing.Short() {
		t.Skip("renders 1,000 requests")
	}
	t.Parallel()
	dir := t.TempDir()
	if err := bench.GenerateV1(filepath.Join(dir, "v1"), 1000); err != nil {
		t.Fatal(err)
	}
	if err := bench.Generate(filepath.Join(dir, "v2"), 1000); err != nil {
		t.Fatal(err)
	}
	m, err := pipeline.Migrate(os.DirFS(filepath.Join(dir, "v1")), pipeline.MigrateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Diagnostics) > 0 {
		t.Fatalf("diagnostics: %v", m.Diagnostics[:min(len(m.Diagnostics), 5)])
	}
	if len(m.Files) < 200 {
		t.Fatalf("only %d files migrated", len(m.Files))
	}
	for _, f := range m.Files {
		if !f.Equivalent {
			t.Errorf("%s: not equivalent:\n%s", f.Path, f.RenderDiff)
		}
		want, err := os.ReadFile(filepath.Join(dir, "v2", filepath.FromSlash(f.Path)))
		if err != nil || !bytes.Equal(f.After, want) {
			t.Errorf("%s: migrated, it is not the generated dip/v2 file (%v):\n%s", f.Path, err, f.After)
		}
	}
}

func TestMigrateOptionsPick(t *testing.T) {
	v1 := templateV1(t)
	for _, tc := range []struct {
		opt  pipeline.MigrateOptions
		want []string
	}{
		{pipeline.MigrateOptions{Kind: "PostgresDatabase"}, []string{"requests/payments/orders-db.yaml"}},
		{pipeline.MigrateOptions{Team: "catalog"}, []string{"requests/catalog/catalog-api.yaml"}},
		{pipeline.MigrateOptions{Team: "payments", Kind: "Service"}, []string{"requests/payments/orders-api.yaml"}},
		{pipeline.MigrateOptions{Team: "identity"}, nil},
	} {
		var got []string
		for _, f := range migrate(t, v1, tc.opt).Files {
			got = append(got, f.Path)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%+v: migrated %v, want %v", tc.opt, got, tc.want)
		}
	}
}

// What cannot be migrated safely is reported at its file and line and
// left out; the rest is migrated.
func TestMigrateReportsWhatItCannot(t *testing.T) {
	fsys := templateV1(t)
	edit(t, fsys, "requests/payments/orders-db.yaml", "  size: small\n", "  size: &size small\n")
	edit(t, fsys, "requests/payments/orders-db.yaml", "      size: medium\n", "      size: *size\n")
	edit(t, fsys, "requests/catalog/catalog-api.yaml", "  port: 9000\n", "  port: 9000\n  prot: 9001\n")
	fsys["requests/catalog/broken.yaml"] = &fstest.MapFile{Data: []byte("apiVersion: dip/v1\nkind: [\n")}
	m := migrate(t, fsys, pipeline.MigrateOptions{})
	var got []string
	for _, d := range m.Diagnostics {
		got = append(got, d.Pos.String()+" "+d.Message)
	}
	for _, want := range []string{
		"requests/catalog/broken.yaml:3 not migrated: invalid YAML",
		"requests/catalog/catalog-api.yaml:1:1 not migrated: the request has 1 problem to fix first (requests/catalog/catalog-api.yaml:11:3: spec: unknown field \"prot\"",
		"requests/payments/orders-db.yaml:10:3 postgresdatabase-v1-to-v2 cannot migrate this request safely: spec.size: its value is the anchor &size",
	} {
		if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, want) }) {
			t.Errorf("missing diagnostic %q in\n%s", want, strings.Join(got, "\n"))
		}
	}
	if len(m.Files) != 1 || m.Files[0].Path != "requests/payments/orders-api.yaml" || !m.Files[0].Equivalent {
		t.Errorf("files %+v", m.Files)
	}
}

// registry returns the default codemods with the PostgresDatabase one
// replaced by spec.
func registry(t testing.TB, spec func(*codemods.Mapping) error) *codemods.Registry {
	t.Helper()
	def := codemods.Default()
	pg := *def.Lookup("postgresdatabase-v1-to-v2")
	pg.Spec = spec
	reg, err := codemods.NewRegistry(&pg, def.Lookup("service-v1-to-v2"))
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// A migration that changes what is rendered, of the request or of a
// request that uses it, is not equivalent and carries the rendered diff.
func TestMigrateShowsRenderChanges(t *testing.T) {
	fsys := templateV1(t)
	edit(t, fsys, "requests/payments/orders-db.yaml", "  version: \"16\"\n", "  version: \"16\"\n  region: eu-west-1\n")
	real := codemods.Default().Lookup("postgresdatabase-v1-to-v2").Spec
	reg := registry(t, func(m *codemods.Mapping) error {
		if err := real(m); err != nil {
			return err
		}
		return m.Rename("region", "region", func(any) (any, error) { return "eu-central-1", nil })
	})
	m := migrate(t, fsys, pipeline.MigrateOptions{Codemods: reg, Kind: "PostgresDatabase"})
	if len(m.Files) != 1 || len(m.Diagnostics) > 0 {
		t.Fatalf("files %+v, diagnostics %v", m.Files, m.Diagnostics)
	}
	f := m.Files[0]
	if f.Equivalent {
		t.Fatal("a change of region is equivalent")
	}
	for _, want := range []string{
		"--- a/production/payments/orders-db/terraform/providers.tf\n+++ b/production/payments/orders-db/terraform/providers.tf\n",
		// The service that uses the database renders its region too.
		"--- a/staging/payments/orders-api/kubernetes/deployment.yaml\n",
		"-              value: eu-west-1\n+              value: eu-central-1\n",
	} {
		if !strings.Contains(f.RenderDiff, want) {
			t.Errorf("render diff lacks %q:\n%s", want, f.RenderDiff)
		}
	}
}

// A migration whose result does not validate is reported and not made.
func TestMigrateRefusesInvalidResults(t *testing.T) {
	reg := registry(t, func(*codemods.Mapping) error { return nil }) // only the apiVersion
	m := migrate(t, templateV1(t), pipeline.MigrateOptions{Codemods: reg})
	for _, f := range m.Files {
		if f.Kind == "PostgresDatabase" {
			t.Errorf("%s was migrated into an invalid request", f.Path)
		}
	}
	if len(m.Files) != 2 || len(m.Diagnostics) != 1 || m.Diagnostics[0].File != "requests/payments/orders-db.yaml" ||
		!strings.Contains(m.Diagnostics[0].Message, "not migrated: postgresdatabase-v1-to-v2 would leave the request invalid") {
		t.Errorf("files %d, diagnostics %v", len(m.Files), m.Diagnostics)
	}
}

func TestMigrateNotAPlatformRepo(t *testing.T) {
	if _, err := pipeline.Migrate(fstest.MapFS{"README.md": {Data: []byte("hi")}}, pipeline.MigrateOptions{}); err == nil {
		t.Error("no error for a directory without platform.yaml")
	}
	broken := templateV1(t)
	broken["platform.yaml"] = &fstest.MapFile{Data: []byte("apiVersion: dip/v1\nkind: Platform\n")}
	m := migrate(t, broken, pipeline.MigrateOptions{})
	if len(m.Files) != 0 || len(m.Diagnostics) == 0 || m.Diagnostics[0].File != "platform.yaml" {
		t.Errorf("invalid platform.yaml: %+v", m)
	}
}
