package policybundle_test

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
)

// TestRegoIsFormatted keeps the bundle as `opa fmt` writes it.
func TestRegoIsFormatted(t *testing.T) {
	for p, src := range regoFiles(t) {
		want, err := format.SourceWithOpts(p, []byte(src), format.Opts{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if string(want) != src {
			t.Errorf("%s is not formatted as opa fmt would:\n%s", p, want)
		}
	}
}
