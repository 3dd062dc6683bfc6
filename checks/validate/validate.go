// Package validate checks a platform repo's files against the schema of
// their kind and against each other, and turns the valid ones into the
// typed model that renderers take.
package validate

import "github.com/dipdev/dip/platform"

// Repo validates src. It returns the valid part of the repo (requests with
// problems are left out) and every problem found, sorted.
func Repo(src *platform.Source) (*platform.Repo, platform.Diagnostics) {
	panic("not implemented")
}
