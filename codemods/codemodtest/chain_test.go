package codemodtest_test

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/checks/validate"
	"github.com/dipdev/dip/codemods"
	"github.com/dipdev/dip/codemods/codemodtest"
	"github.com/dipdev/dip/platform"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var reg *codemods.Registry

// Every test here runs with dip/v3 of Service registered.
func TestMain(m *testing.M) {
	flag.Parse()
	var err error
	if reg, err = codemodtest.Register(); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// A dip/v1 Service goes through both codemods, in order, to dip/v3; a
// dip/v2 one through the last; a dip/v3 one through none.
func TestChain(t *testing.T) {
	ar, err := txtar.ParseFile("testdata/service-v1-to-v3.txtar")
	if err != nil {
		t.Fatal(err)
	}
	in := ar.Files[0].Data
	res, err := reg.MigrateFile("requests/payments/orders-api.yaml", in)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Applied, []string{"service-v1-to-v2", "service-v2-to-v3"}) || res.From != "dip/v1" || res.To != "dip/v3" {
		t.Errorf("applied %v, %s → %s", res.Applied, res.From, res.To)
	}
	if *update {
		ar.Files = []txtar.File{ar.Files[0], {Name: "want.yaml", Data: res.Doc.Data}}
		if err := os.WriteFile("testdata/service-v1-to-v3.txtar", txtar.Format(ar), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if diff := cmp.Diff(string(ar.Files[1].Data), string(res.Doc.Data)); diff != "" {
		t.Errorf("chained migration (-want +got):\n%s", diff)
	}
	// Each step on its own gives the same file.
	v2, err := codemods.Default().MigrateFile("requests/payments/orders-api.yaml", in)
	if err != nil {
		t.Fatal(err)
	}
	step, err := reg.Migrate(v2.Doc)
	if err != nil || !slices.Equal(step.Applied, []string{"service-v2-to-v3"}) || string(step.Doc.Data) != string(res.Doc.Data) {
		t.Errorf("dip/v2 to dip/v3: %v, %v", step, err)
	}
	again, err := reg.Migrate(res.Doc)
	if err != nil || again.Changed() {
		t.Errorf("migrating dip/v3 again: %v, %v", again, err)
	}
}

// templateV1 is the platform repo template with its dip/v2 requests in
// dip/v1, as app/pipeline's tests keep them.
func templateV1(t *testing.T) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	for _, root := range []string{"../../platform-repo-template", "../../app/pipeline/testdata/template-v1"} {
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			rel, _ := filepath.Rel(root, p)
			m[filepath.ToSlash(rel)] = &fstest.MapFile{Data: data, Mode: 0o644}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// pipeline.Migrate chains the codemods and proves the rendering of the
// dip/v3 requests the same as of the dip/v1 ones.
func TestMigrateChains(t *testing.T) {
	fsys := templateV1(t)
	m, err := pipeline.Migrate(fsys, pipeline.MigrateOptions{Codemods: reg, Kind: "Service"})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != 2 || len(m.Diagnostics) > 0 {
		t.Fatalf("files %+v, diagnostics %v", m.Files, m.Diagnostics)
	}
	for _, f := range m.Files {
		if f.From != "dip/v1" || f.To != "dip/v3" || !slices.Equal(f.Codemods, []string{"service-v1-to-v2", "service-v2-to-v3"}) || !f.Equivalent {
			t.Errorf("%s: %s → %s by %v, equivalent %v\n%s", f.Path, f.From, f.To, f.Codemods, f.Equivalent, f.RenderDiff)
		}
		if !strings.Contains(string(f.After), "apiVersion: dip/v3") || !strings.Contains(string(f.After), "  replicas:\n") && f.Name == "orders-api" {
			t.Errorf("%s:\n%s", f.Path, f.After)
		}
	}
}

// With dip/v3 registered, dip/v2 Services are deprecated and warned of,
// and fields named as dip/v1 names them land on their dip/v3 lines.
func TestDeprecatedByATestVersion(t *testing.T) {
	src, err := platform.Load(templateV1(t))
	if err != nil {
		t.Fatal(err)
	}
	res, err := reg.Migrate(src.Requests[slices.IndexFunc(src.Requests, func(d *platform.Document) bool {
		return d.File == "requests/payments/orders-api.yaml"
	})])
	if err != nil {
		t.Fatal(err)
	}
	v2, err := codemods.Default().Migrate(src.Requests[slices.IndexFunc(src.Requests, func(d *platform.Document) bool {
		return d.File == "requests/catalog/catalog-api.yaml"
	})])
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range src.Requests {
		switch d.File {
		case "requests/payments/orders-api.yaml":
			src.Requests[i] = res.Doc
		case "requests/catalog/catalog-api.yaml":
			src.Requests[i] = v2.Doc
		}
	}
	repo, diags := validate.Repo(src)
	var warned []string
	for _, d := range diags {
		if !d.IsWarning() {
			t.Errorf("error: %s", d)
			continue
		}
		if d.Rule == "deprecated" && strings.Contains(d.Message, "Service dip/v2 is deprecated and dip/v3 replaces it") &&
			strings.Contains(d.Message, "codemod service-v2-to-v3") {
			warned = append(warned, d.File)
		}
	}
	if !slices.Equal(warned, []string{"requests/catalog/catalog-api.yaml"}) {
		t.Errorf("dip/v2 warnings on %v\n%v", warned, diags)
	}
	api := repo.Find("Service", "orders-api")
	for field, want := range map[string]string{
		"spec.replicas":    "requests/payments/orders-api.yaml:36:9", // production's replicas.min
		"spec.maxReplicas": "requests/payments/orders-api.yaml:37:9",
		"spec.scaling.min": "requests/payments/orders-api.yaml:36:9",
	} {
		if got := api.FieldPos("production", field).String(); got != want {
			t.Errorf("FieldPos(production, %s) = %s, want %s", field, got, want)
		}
	}
}
