// Package kubernetes renders Kubernetes manifests from k8s.io/api types.
package kubernetes

import "github.com/dipdev/dip/renderers/source"

// Render returns the Kubernetes manifests of r by file name; nil when r's
// kind renders no Kubernetes objects.
func Render(r *source.Request) (map[string][]byte, error) {
	return nil, nil
}
