package terraform

import "github.com/hashicorp/hcl/v2/hclwrite"

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
