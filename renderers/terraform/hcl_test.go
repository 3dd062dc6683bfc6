package terraform_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"golang.org/x/tools/txtar"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers/rendertest"
	"github.com/dipdev/dip/renderers/source"
	"github.com/dipdev/dip/renderers/terraform"
)

// archives returns every source of every golden archive.
func archives(t *testing.T) []*source.Request {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden archives (%v)", err)
	}
	var out []*source.Request
	for _, p := range paths {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rendertest.Sources(t, rendertest.Repo(t, ar))...)
	}
	return out
}

func parse(t testing.TB, name string, data []byte) *hclsyntax.Body {
	t.Helper()
	f, diags := hclsyntax.ParseConfig(data, name, hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("%s does not parse: %v\n%s", name, diags, data)
	}
	return f.Body.(*hclsyntax.Body)
}

func TestRenderedFilesParse(t *testing.T) {
	n := 0
	for _, src := range archives(t) {
		files, err := terraform.Render(src)
		if err != nil {
			t.Fatalf("render %s for %s: %v", src.Request.File, src.Env.Name, err)
		}
		for name, data := range files {
			parse(t, src.Env.Name+"/"+src.Request.File+"/"+name, data)
			n++
		}
	}
	if n == 0 {
		t.Fatal("nothing rendered")
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	first, second := archives(t), archives(t)
	for i := range first {
		a, errA := terraform.Render(first[i])
		b, errB := terraform.Render(second[i])
		if errA != nil || errB != nil {
			t.Fatalf("render %s: %v, %v", first[i].Request.File, errA, errB)
		}
		if len(a) != len(b) {
			t.Fatalf("%s: %d files, then %d", first[i].Request.File, len(a), len(b))
		}
		for name := range a {
			if !bytes.Equal(a[name], b[name]) {
				t.Errorf("%s %s differs between two renders", first[i].Request.File, name)
			}
		}
	}
}

// hostile are user strings that must come back from the rendered HCL
// exactly as written: template sequences, quotes, backslashes, control
// characters and non-ASCII text.
var hostile = []string{
	"${var.x}",
	"%{ if true }yes%{ endif }",
	"$${already.escaped} %%{ also }",
	`say "hi" and \ or \\ or \n`,
	"line one\nline two\r\nand\ta tab",
	"unicode: café 日本語 🚀 \u2028 \u200b",
	"ends with $",
	"ends with %{",
	"${",
	"",
}

// archive builds a platform repo with a Secret and a TXT DNSRecord holding
// s. JSON strings are YAML flow scalars, so s needs no YAML quoting rules.
func hostileRepo(t *testing.T, s string) []*source.Request {
	t.Helper()
	q, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	ar := txtar.Parse([]byte(`-- platform.yaml --
metadata: {name: acme}
spec:
  cloud: aws
  environments: [{name: staging, region: eu-west-1}]
-- teams/payments.yaml --
metadata: {name: payments}
spec: {owners: ["@acme/payments"], costCenter: cc-1}
-- requests/payments/api-key.yaml --
apiVersion: dip/v1
kind: Secret
metadata: {name: api-key, team: payments}
spec:
  environments: [staging]
  namespace: payments
  description: ` + string(q) + `
-- requests/payments/txt.yaml --
apiVersion: dip/v1
kind: DNSRecord
metadata: {name: txt, team: payments}
spec:
  environments: [staging]
  zone: acme.example
  record: acme.example
  type: TXT
  values: [` + string(q) + `, "plain"]
`))
	return rendertest.Sources(t, rendertest.Repo(t, ar))
}

func TestHostileStringsStayLiteral(t *testing.T) {
	for _, s := range hostile {
		for _, src := range hostileRepo(t, s) {
			files, err := terraform.Render(src)
			if err != nil {
				t.Fatalf("render %s: %v", src.Request.File, err)
			}
			body := parse(t, "main.tf", files["main.tf"])
			switch src.Request.Kind {
			case "Secret":
				desc, ok := literal(t, body, "aws_secretsmanager_secret", "description")
				if s == "" {
					if ok {
						t.Errorf("empty description rendered as %q", desc.AsString())
					}
					continue
				}
				if !ok || desc.AsString() != s {
					t.Errorf("description: got %#v, want %q", desc, s)
				}
			case "DNSRecord":
				recs, _ := literal(t, body, "aws_route53_record", "records")
				if got := recs.Index(cty.NumberIntVal(0)).AsString(); got != s {
					t.Errorf("TXT value: got %q, want %q", got, s)
				}
			}
		}
	}
}

// literal evaluates attribute attr of the first resource of type typ with
// no variables or functions: it must be a literal.
func literal(t testing.TB, body *hclsyntax.Body, typ, attr string) (cty.Value, bool) {
	t.Helper()
	for _, b := range body.Blocks {
		if b.Type != "resource" || b.Labels[0] != typ {
			continue
		}
		a, ok := b.Body.Attributes[attr]
		if !ok {
			return cty.NilVal, false
		}
		v, diags := a.Expr.Value(nil)
		if diags.HasErrors() {
			t.Fatalf("%s.%s is not a literal: %v", typ, attr, diags)
		}
		return v, true
	}
	t.Fatalf("no resource %s", typ)
	return cty.NilVal, false
}

// FuzzStringFields renders user strings into every free-text field and
// checks that the output parses, gives each string back literally, and is
// laid out as hclwrite's formatter lays it out.
func FuzzStringFields(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			t.Skip("request files are UTF-8")
		}
		// HCL strings, like Terraform's, are NFC-normalized.
		want := cty.StringVal(s).AsString()
		for _, src := range fuzzSources(s) {
			files, err := terraform.Render(src)
			if err != nil {
				t.Fatalf("render %s: %v", src.Spec.Kind(), err)
			}
			for name, data := range files {
				parse(t, name, data)
			}
			compareLayout(t, src)
			body := parse(t, "main.tf", files["main.tf"])
			switch src.Spec.(type) {
			case *platform.SecretSpec:
				if got, ok := literal(t, body, "aws_secretsmanager_secret", "description"); ok && got.AsString() != want {
					t.Errorf("description: got %q, want %q", got.AsString(), want)
				}
			case *platform.DNSRecordSpec:
				got, _ := literal(t, body, "aws_route53_record", "records")
				if g := got.Index(cty.NumberIntVal(0)).AsString(); g != want && len(s) <= 255 {
					t.Errorf("TXT value: got %q, want %q", g, want)
				}
				if got, _ := literal(t, body, "aws_route53_record", "name"); got.AsString() != want {
					t.Errorf("record: got %q, want %q", got.AsString(), want)
				}
			case *platform.IAMRoleSpec:
				got, _ := literal(t, body, "aws_iam_role", "description")
				if !strings.Contains(got.AsString(), want) {
					t.Errorf("role description %q lost %q", got.AsString(), want)
				}
			}
		}
	})
}

// fuzzSources returns a Secret, a TXT record and an IAMRole whose free-text
// fields all hold s.
func fuzzSources(s string) []*source.Request {
	env := platform.Environment{Name: "staging", Region: "eu-west-1"}
	team := &platform.Team{Name: "payments", CostCenter: s}
	repo := &platform.Repo{
		Platform: &platform.Platform{Name: "acme", Environments: []platform.Environment{env}},
		Teams:    map[string]*platform.Team{team.Name: team},
	}
	src := func(kind, name string, spec platform.Spec) *source.Request {
		req := &platform.Request{File: "requests/payments/" + name + ".yaml", APIVersion: platform.APIVersion,
			Kind: kind, Name: name, Team: team.Name, Environments: []string{env.Name}}
		repo.Requests = append(repo.Requests, req)
		return &source.Request{Repo: repo, Team: team, Request: req, Env: env, Region: env.Region, Spec: spec}
	}
	return []*source.Request{
		src("Secret", "api-key", &platform.SecretSpec{Description: s, Namespace: s}),
		src("DNSRecord", "txt", &platform.DNSRecordSpec{Zone: s, Record: s, Type: "TXT", TTL: 300, Values: []string{s, s}}),
		src("IAMRole", "worker", &platform.IAMRoleSpec{
			ServiceAccount:  platform.ServiceAccountRef{Namespace: s, Name: "worker"},
			ManagedPolicies: []string{s},
			Statements:      []platform.Statement{{Actions: []string{s}, Resources: []string{s}}},
		}),
	}
}
