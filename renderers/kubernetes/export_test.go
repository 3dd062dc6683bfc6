package kubernetes

// EmitYAML and EncodeYAML expose the fast YAML writer and yaml.v3 to the
// differential tests.
var (
	EmitYAML   = emitYAML
	EncodeYAML = encodeYAML
)
