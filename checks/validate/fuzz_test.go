package validate_test

import (
	"testing"

	"github.com/dipdev/dip/checks/validate"
	"github.com/dipdev/dip/platform"
)

func mustParse(t testing.TB, file, data string) *platform.Document {
	t.Helper()
	doc, err := platform.ParseYAML(file, []byte(data))
	if err != nil {
		t.Fatalf("parse %s: %v", file, err)
	}
	return doc
}

// FuzzRequest feeds arbitrary bytes as a request file through parsing and
// validation: nothing panics, and every problem has a file and a line.
func FuzzRequest(f *testing.F) {
	for _, data := range validRequests {
		f.Add([]byte(data))
	}
	f.Add([]byte("apiVersion: dip/v1\nkind: Service\nmetadata: {name: x, team: payments}\nspec: {environments: [staging], overrides: {Prod: {}}, env: {1A: 2}}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("- 1\n"))
	const file = "requests/payments/orders-db.yaml"
	plat := mustParse(f, platform.PlatformFile, platformYAML)
	team := mustParse(f, "teams/payments.yaml", teamYAML("payments"))
	other := mustParse(f, "requests/payments/orders-api.yaml", validRequests["requests/payments/orders-api.yaml"])
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := platform.ParseYAML(file, data)
		if err != nil {
			d, ok := err.(platform.Diagnostic)
			if !ok || d.File != file || d.Line < 1 {
				t.Fatalf("parse error without a position: %#v", err)
			}
			return
		}
		src := &platform.Source{Platform: plat, Teams: []*platform.Document{team}, Requests: []*platform.Document{doc, other}}
		repo, diags := validate.Repo(src)
		if repo == nil {
			t.Fatal("repo is nil")
		}
		valid := repo.Find("PostgresDatabase", "orders-db") != nil && repo.Find("PostgresDatabase", "orders-db").File == file
		var mine int
		for _, d := range diags {
			if d.File == "" || d.Line < 1 {
				t.Errorf("diagnostic without a position: %#v", d)
			}
			if d.File == file && !d.IsWarning() {
				mine++
			}
		}
		for _, r := range repo.Requests {
			if r.File == file {
				valid = true
			}
		}
		if valid && mine > 0 {
			t.Errorf("request is valid but has diagnostics: %s", diagList(diags))
		}
		if !valid && mine == 0 {
			t.Errorf("request is left out but has no diagnostics")
		}
	})
}
