// Package pipeline is dip's pull request pipeline over a platform repo:
// validate, render, policy and scan, as the command line runs it on a
// checkout and the server on a commit; the incremental path that reads only
// what a change touches; the output tree dip render writes; and the
// Publisher that shows a check on the code host.
package pipeline

import (
	"fmt"
	"io/fs"

	"github.com/dipdev/dip/checks/validate"
	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers"
)

// Build is a platform repo read, validated and, where valid, rendered. A
// check given a FactIndex reads only what a change touches: its builds
// then hold those requests and the ones they depend on, not the others.
type Build struct {
	// Repo is the valid part of the repo; nil when platform.yaml is invalid.
	Repo *platform.Repo
	// Source is the repo as read from its files.
	Source *platform.Source
	// Diagnostics are every validation and render problem, sorted.
	Diagnostics platform.Diagnostics
	// Files are the rendered files of the valid requests, sorted by path.
	Files []renderers.File
	// unread counts the request files a check that reads only what a
	// change touches left unread; they parse, and are not in Source or
	// Repo.
	unread int
}

// requestCount returns how many request files of the repo parse, read or
// not.
func (b *Build) requestCount() int { return len(b.Source.Requests) + b.unread }

// RequestsRead returns how many request files of the repo were read and
// how many parse, read or not: a check that reads only what a change
// touches reads few of many.
func (b *Build) RequestsRead() (read, total int) { return len(b.Source.Requests), b.requestCount() }

// partial reports whether b holds only some of the repo's requests.
func (b *Build) partial() bool { return b.unread > 0 }

// Validate reads and validates the platform repo in fsys. The error is for
// a repo that cannot be used at all; problems in its files are
// diagnostics.
func Validate(fsys fs.FS) (*Build, error) { return validateReusing(fsys, nil) }

// validateReusing is Validate, reusing the parsed files of prev that are
// unchanged in fsys.
func validateReusing(fsys fs.FS, prev *platform.Source) (*Build, error) {
	src, err := platform.LoadReusing(fsys, prev)
	if err != nil {
		return nil, fmt.Errorf("load platform repo: %w", err)
	}
	repo, diags := validate.Repo(src)
	return &Build{Repo: repo, Source: src, Diagnostics: diags}, nil
}

// Render reads, validates and renders the platform repo in fsys.
func Render(fsys fs.FS) (*Build, error) {
	b, err := Validate(fsys)
	if err != nil {
		return nil, err
	}
	if b.Repo == nil {
		return b, nil
	}
	b.render(nil)
	return b, nil
}

// render renders the valid requests in scope.
func (b *Build) render(scope *Scope) {
	reqs := b.Repo.Requests
	if scope != nil {
		reqs = nil
		for _, r := range b.Repo.Requests {
			if scope.Has(r.File) {
				reqs = append(reqs, r)
			}
		}
	}
	files, diags := renderers.RenderRequests(b.Repo, reqs)
	b.Files = files
	b.Diagnostics = append(b.Diagnostics, diags...)
	b.Diagnostics.Sort()
}
