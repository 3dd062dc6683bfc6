package terraform

import (
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/dipdev/dip/renderers/source"
)

// StringMapTokens and StringMap expose the tag object's tokens to tests.
var (
	StringMapTokens = stringMapTokens
	StringMap       = stringMap
)

// Call and Tuple expose the expression builders to tests.
var (
	Call  = call
	Tuple = tuple
)

// Object exposes object to tests: names[i] is the name of values[i].
func Object(names []string, values []hclwrite.Tokens) hclwrite.Tokens {
	fields := make([]field, len(names))
	for i := range names {
		fields[i] = field{names[i], values[i]}
	}
	return object(fields...)
}

// RenderCompared renders r with every file laid out both by layout and by
// hclwrite's formatter; it calls check with the two for each file and
// returns the formatter's.
func RenderCompared(r *source.Request, check func(laidOut, formatted []byte, ok bool)) (map[string][]byte, error) {
	m := newModule(r)
	m.serialise = func(f *file) []byte {
		toks := f.tokens()
		formatted := hclwrite.Format(unspaced(toks))
		laidOut, ok := layout(toks)
		check(laidOut, formatted, ok)
		return formatted
	}
	return render(m)
}
