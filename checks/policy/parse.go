package policy

import (
	"fmt"
	"path"

	"github.com/open-policy-agent/conftest/parser/hcl2"
	conftestyaml "github.com/open-policy-agent/conftest/parser/yaml"
)

// ParseFile parses data, the contents of file, into the document policies
// see, with the parser `conftest test` picks for the file's extension:
// HCL 2 for .tf, YAML (several documents become a list) for .yaml and .yml.
func ParseFile(file string, data []byte) (any, error) {
	var v any
	var err error
	switch path.Ext(file) {
	case ".tf":
		err = hcl2.Parser{}.Unmarshal(data, &v)
	case ".yaml", ".yml":
		p := &conftestyaml.Parser{}
		err = p.Unmarshal(data, &v)
	default:
		err = fmt.Errorf("no parser for %s files", path.Ext(file))
	}
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", file, err)
	}
	return v, nil
}
