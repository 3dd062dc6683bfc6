package platform_test

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dipdev/dip/platform"
)

const platformYAML = "apiVersion: dip/v1\nkind: Platform\nmetadata: {name: acme}\nspec:\n  cloud: aws\n  environments: [{name: staging, region: eu-west-1}]\n"

const dbYAML = `apiVersion: dip/v1
kind: PostgresDatabase
metadata:
  name: orders-db
  team: payments
spec:
  environments: [staging, production]
  size: small
  storageGB: 50
  overrides:
    production:
      size: large
`

func TestLoadNotPlatformRepo(t *testing.T) {
	_, err := platform.Load(fstest.MapFS{"teams/a.yaml": {Data: []byte("a: 1\n")}})
	if !errors.Is(err, platform.ErrNotPlatformRepo) {
		t.Errorf("got %v, want ErrNotPlatformRepo", err)
	}
}

func TestLoadLayout(t *testing.T) {
	fsys := fstest.MapFS{
		"platform.yaml":                      {Data: []byte(platformYAML)},
		"teams/payments.yaml":                {Data: []byte("apiVersion: dip/v1\n")},
		"requests/payments/orders-db.yaml":   {Data: []byte(dbYAML)},
		"requests/payments/README.md":        {Data: []byte("notes")},
		"requests/payments/link.yaml":        {Data: []byte("orders-db.yaml"), Mode: fs.ModeSymlink},
		"requests/stray.yaml":                {Data: []byte(dbYAML)},
		"requests/payments/nested/deep.yaml": {Data: []byte(dbYAML)},
		"requests/payments/old.yml":          {Data: []byte(dbYAML)},
		"requests/payments/broken.yaml":      {Data: []byte("a: [\n")},
		"requests/.hidden/x.yaml":            {Data: []byte(dbYAML)},
	}
	src, err := platform.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range src.Diagnostics {
		got[d.File] = "[" + d.Rule + "] " + d.Message
	}
	want := map[string]string{
		"requests/payments/link.yaml":   "[layout] symbolic links are not followed",
		"requests/stray.yaml":           "[layout] file is not where it is read from; requests are requests/<team>/<name>.yaml",
		"requests/payments/nested":      "[layout] unexpected directory",
		"requests/payments/old.yml":     "[layout] use the .yaml extension",
		"requests/payments/broken.yaml": "[yaml] invalid YAML",
	}
	for file, msg := range want {
		if !strings.HasPrefix(got[file], msg) {
			t.Errorf("%s: got %q, want %q", file, got[file], msg)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got diagnostics %v", got)
	}
	if len(src.Requests) != 1 || src.Requests[0].File != "requests/payments/orders-db.yaml" {
		t.Errorf("got requests %v", src.Requests)
	}
	if len(src.Teams) != 1 || src.Platform == nil {
		t.Errorf("got teams %v, platform %v", src.Teams, src.Platform)
	}
}

func TestFieldPos(t *testing.T) {
	doc, err := platform.ParseYAML("requests/payments/orders-db.yaml", []byte(dbYAML))
	if err != nil {
		t.Fatal(err)
	}
	req, err := platform.DecodeRequest(doc)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		env, field string
		want       string
	}{
		{"production", "spec.size", "requests/payments/orders-db.yaml:12:7"},     // in the override
		{"staging", "spec.size", "requests/payments/orders-db.yaml:8:3"},         // in the spec
		{"production", "spec.storageGB", "requests/payments/orders-db.yaml:9:3"}, // not overridden
		{"staging", "spec.encrypted", "requests/payments/orders-db.yaml:6:1"},    // defaulted: the spec line
		{"", "metadata.team", "requests/payments/orders-db.yaml:5:3"},
	}
	for _, tc := range tests {
		if got := req.FieldPos(tc.env, tc.field).String(); got != tc.want {
			t.Errorf("FieldPos(%q, %q) = %s, want %s", tc.env, tc.field, got, tc.want)
		}
	}
	spec, err := req.Spec("production")
	if err != nil {
		t.Fatal(err)
	}
	pg := spec.(*platform.PostgresDatabaseSpec)
	if pg.InstanceClass != "db.r6g.xlarge" || pg.Storage != (platform.Storage{SizeGB: 50}) || !pg.Encrypted || pg.Version != "16" {
		t.Errorf("production spec %+v", pg)
	}
}

func FuzzParseYAML(f *testing.F) {
	f.Add([]byte(dbYAML))
	f.Add([]byte(platformYAML))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("a: 1\n---\nb: 2\n"))
	f.Add([]byte("<<: {a: 1}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := platform.ParseYAML("f.yaml", data)
		if err != nil {
			var d platform.Diagnostic
			if !errors.As(err, &d) || d.File != "f.yaml" || d.Line < 1 {
				t.Fatalf("error without a position: %#v", err)
			}
			return
		}
		if doc.Root == nil {
			t.Fatal("document without a root")
		}
		checkValue(t, doc.Value, 0)
	})
}

// checkValue checks that v holds only the plain values ParseYAML promises.
func checkValue(t *testing.T, v any, depth int) {
	if depth > platform.MaxDepth+1 {
		t.Fatalf("value nested %d deep", depth)
	}
	switch v := v.(type) {
	case map[string]any:
		for _, e := range v {
			checkValue(t, e, depth+1)
		}
	case []any:
		for _, e := range v {
			checkValue(t, e, depth+1)
		}
	case string, int64, float64, bool, nil:
	default:
		t.Fatalf("unexpected value %T", v)
	}
}
