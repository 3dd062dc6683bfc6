package inputs_test

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

func load(t *testing.T, overlay map[string][]byte) []*packages.Package {
	t.Helper()
	cfg := &packages.Config{
		Mode:    packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo,
		Overlay: overlay,
	}
	pkgs, err := packages.Load(cfg, tree+"/...")
	if err != nil {
		t.Fatal(err)
	}
	if packages.PrintErrors(pkgs) > 0 {
		t.Fatal("the renderers do not load")
	}
	return pkgs
}

// Renderers read of the repo only what a render's digest covers (see
// the package comment), so that equal digests prove equal output. When
// this fails, the renderer named reads something new: add it to the
// digest (inputs.go) and to allowed, or read it another way.
func TestRenderersReadOnlyTheirInputs(t *testing.T) {
	t.Parallel()
	for _, f := range check(load(t, nil)) {
		t.Error(f)
	}
}

// badRenderer is a renderer, added to the Kubernetes renderers for the
// test, that reads what it should not: every line marked "// bad".
const badRenderer = `package kubernetes

import (
	"fmt"
	"slices"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers/source"
)

var last *platform.Request // bad: state between renders

type holder struct{ req *platform.Request }

func badReads(r *source.Request) any {
	_ = r.Request.APIVersion            // bad: a field the digest leaves out
	_ = r.Request.Doc                   // bad
	_ = r.Request.SpecValue(r.Env.Name) // bad: a method the digest leaves out
	_ = r.Repo.Find("Queue", "q")       // bad: a lookup not recorded
	_ = r.Repo.Requests                 // bad
	_ = r.Repo.Teams                    // bad
	_ = r.Team.Owners                   // bad
	_ = r.Repo.Platform.Cloud           // bad
	_ = r.Lookups                       // bad
	_, _ = r.Request.Spec("production") // bad: another environment's spec
	_ = fmt.Sprint(r.Request)           // bad: handed to code that reads all
	var x any = r.Team                  // bad: out of sight in an interface
	_ = []any{holder{r.Request}}        // bad
	_ = platform.Describe(r.Request)    // bad: code outside renderers/
	describe := platform.Describe       // bad: the same, called out of sight
	call := func(f func(any) string) string { return f(r.Team) } // bad
	_, _ = x, describe
	_ = call
	_ = *r == *r                        // bad: compares every field
	_ = r.Env == r.Env
	_ = r.Request.Name
	_ = fmt.Sprint(r.Request.Name, len(r.Request.Environments))
	_ = slices.Contains([]*platform.Request{r.Request}, last)
	return r.Repo // bad
}
`

// describe is code outside renderers/ that reads all of a request.
const describe = `package platform

func Describe(r *Request) string { return r.APIVersion + " " + r.Kind }
`

// The check finds each of badRenderer's reads, and nothing else.
func TestReadsCheckFindsWhatItMust(t *testing.T) {
	t.Parallel()
	dir, err := filepath.Abs("../kubernetes")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "zz_bad.go")
	got := check(load(t, map[string][]byte{
		file: []byte(badRenderer),
		filepath.Join(dir, "..", "..", "platform", "zz_describe.go"): []byte(describe),
	}))
	var want []string
	for i, l := range strings.Split(badRenderer, "\n") {
		if strings.Contains(l, "// bad") {
			want = append(want, file+":"+strconv.Itoa(i+1)+":")
		}
	}
	var lines []string
	for _, f := range got {
		prefix, _, _ := strings.Cut(f, " ")
		if !slices.Contains(want, prefix) {
			t.Errorf("not a bad line: %s", f)
		}
		lines = append(lines, prefix)
	}
	for _, w := range want {
		if !slices.Contains(lines, w) {
			t.Errorf("%s not found; found:\n%s", w, strings.Join(got, "\n"))
		}
	}
}
