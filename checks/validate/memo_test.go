package validate_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/dipdev/dip/checks/validate"
	"github.com/dipdev/dip/platform"
)

// A Memo gives the same results as validating afresh, for the repo it saw
// and for another that shares some of its documents.
func TestMemo(t *testing.T) {
	load := func(files map[string]string) *platform.Source {
		src, err := platform.Load(repoFS(files))
		if err != nil {
			t.Fatal(err)
		}
		return src
	}
	first := load(nil)
	second := load(edit(t, "requests/payments/orders-db.yaml", "size: small", "size: huge"))
	// The second repo shares every document but the database's.
	byFile := map[string]*platform.Document{}
	for _, d := range first.Requests {
		byFile[d.File] = d
	}
	for i, d := range second.Requests {
		if d.File != "requests/payments/orders-db.yaml" {
			second.Requests[i] = byFile[d.File]
		}
	}
	m := validate.NewMemo()
	for i, src := range []*platform.Source{first, second, first, second} {
		wantRepo, wantDiags := validate.Repo(src)
		gotRepo, gotDiags := m.Repo(src)
		if !reflect.DeepEqual(gotDiags, wantDiags) {
			t.Errorf("run %d: diagnostics\n%s\nwant\n%s", i, diagList(gotDiags), diagList(wantDiags))
		}
		if len(gotRepo.Requests) != len(wantRepo.Requests) {
			t.Errorf("run %d: %d requests, want %d", i, len(gotRepo.Requests), len(wantRepo.Requests))
		}
	}
}

func TestRegisterSchemaRejects(t *testing.T) {
	if err := validate.RegisterSchema("dip/v1/Service.json", []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "already registered") {
		t.Errorf("an embedded schema was replaced: %v", err)
	}
	if err := validate.RegisterSchema("dip/v9/Thing.json", []byte(`{"$id": "https://example.com/other.json"}`)); err == nil {
		t.Error("a schema with another $id was registered")
	}
	if err := validate.RegisterSchema("dip/v9/Thing.json", []byte(`{`)); err == nil {
		t.Error("a schema that is not JSON was registered")
	}
}
