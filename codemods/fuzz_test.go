package codemods_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/dipdev/dip/checks/validate"
	"github.com/dipdev/dip/codemods"
	"github.com/dipdev/dip/platform"
)

func FuzzPostgresDatabaseV1ToV2(f *testing.F) { fuzzCodemod(f, "postgresdatabase-v1-to-v2") }

func FuzzServiceV1ToV2(f *testing.F) { fuzzCodemod(f, "service-v1-to-v2") }

// fuzzCodemod checks, for any input, that the codemod named name does not
// panic; that what it cannot migrate is a diagnostic with a file and
// line; that what it migrates parses, validates when the input did, and
// migrates again to itself.
func fuzzCodemod(f *testing.F, name string) {
	reg := codemods.Default()
	c := reg.Lookup(name)
	if c == nil {
		f.Fatalf("no codemod %s", name)
	}
	paths, _ := filepath.Glob(filepath.Join("testdata", name, "*.txtar"))
	for _, p := range paths {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			if file.Name == "in.yaml" {
				f.Add(options(ar.Comment).apply(file.Data))
				f.Add(transform{crlf: true, bom: true, noeol: true}.apply(file.Data))
			}
		}
	}
	plat := parse(f, platform.PlatformFile, platformYAML)
	team := parse(f, "teams/payments.yaml", teamYAML)
	const file = "requests/payments/orders.yaml"
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := reg.MigrateFile(file, data)
		if err != nil {
			var d platform.Diagnostic
			if !errors.As(err, &d) || d.File != file || d.Line < 1 {
				t.Fatalf("error without a file and line: %#v", err)
			}
			return
		}
		if !res.Changed() {
			if !bytes.Equal(res.Doc.Data, data) {
				t.Fatal("a request with nothing to migrate was changed")
			}
			return
		}
		again, err := reg.Migrate(res.Doc)
		if err != nil || again.Changed() {
			t.Fatalf("migrating the migrated request again: %v, changed %v", err, err == nil && again.Changed())
		}
		before, _ := platform.ParseYAML(file, data)
		if valid(plat, team, before) && !valid(plat, team, res.Doc) {
			_, diags := validate.Repo(&platform.Source{Platform: plat, Teams: []*platform.Document{team}, Requests: []*platform.Document{res.Doc}})
			t.Fatalf("the request was valid, its migration is not:\n%s\n%v", res.Doc.Data, diags.Errors())
		}
	})
}

// valid reports whether doc, named after its own metadata, validates in a
// repo of the payments team.
func valid(plat, team, doc *platform.Document) bool {
	top, _ := doc.Value.(map[string]any)
	meta, _ := top["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	if meta["team"] != "payments" || name == "" || strings.ContainsAny(name, "/\\.") {
		return false
	}
	named := *doc
	named.File = "requests/payments/" + name + ".yaml"
	_, diags := validate.Repo(&platform.Source{Platform: plat, Teams: []*platform.Document{team}, Requests: []*platform.Document{&named}})
	return !diags.HasErrors()
}

func parse(tb testing.TB, file, data string) *platform.Document {
	tb.Helper()
	doc, err := platform.ParseYAML(file, []byte(data))
	if err != nil {
		tb.Fatal(err)
	}
	return doc
}

const platformYAML = `apiVersion: dip/v1
kind: Platform
metadata: {name: acme}
spec:
  cloud: aws
  environments: [{name: staging, region: eu-west-1}, {name: production, region: eu-west-1}]
`

const teamYAML = `apiVersion: dip/v1
kind: Team
metadata: {name: payments}
spec: {owners: ["@acme/payments"], costCenter: cc-1}
`
