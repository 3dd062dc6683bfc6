// Package terraform renders the Terraform of the cloud kinds with hclwrite,
// so that every user string stays a literal.
package terraform

import "github.com/dipdev/dip/renderers/source"

// Render returns the Terraform files of r by file name; nil when r's kind
// renders no Terraform.
func Render(r *source.Request) (map[string][]byte, error) {
	return nil, nil
}
