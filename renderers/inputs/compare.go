package inputs

import (
	"slices"

	"github.com/dipdev/dip/internal/parallel"
	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers"
	"github.com/dipdev/dip/renderers/source"
)

// A Comparison proves, where it can, that a request renders the same in
// two versions of a repo without rendering both, such as a repo before and
// after a migration.
//
// Why it is sound. Renderers are pure: a render is a function of what it
// reads, run by the same code in one process, and it reads nothing but
// what inputs.go lists (a static test holds every renderer to that list:
// it fails on any other field or method of the repo's types and on any
// value of them handed to code that could read more). Take a render of
// request x for env in repo a and of request y for env in repo b, and
// suppose their own inputs (Own) are equal. Both renders run the
// same steps on the same values up to their first lookup, so they make the
// same first lookup; if it is answered alike in a and b (the same request
// or team, or one that reads the same), they go on alike to the next
// lookup, and so on. So when every lookup the render in a made is
// answered alike in b, the render in b makes exactly those lookups, gets
// the same answers and returns the same files, byte for byte, or the same
// error. Same therefore renders x in a with a recorder (source.Lookups)
// and compares the answers of a and b to what it recorded (Answers); b is
// not rendered. When no lookup at all is answered differently in env
// (SameAnswers: in a migration, when the migrated requests read the same
// in their new version), nothing needs recording and neither side is
// rendered. Digests are SHA-256 of an encoding that tells any two
// different inputs apart, so equal digests are taken for equal inputs.
//
// Same never answers true for renders it cannot prove alike: it answers
// false, and the caller renders both and compares the bytes.
type Comparison struct {
	a, b *platform.Repo
	// agree holds each environment in which a and b answer every lookup
	// alike.
	agree map[string]bool
}

// NewComparison prepares to compare renders in a with renders in b.
func NewComparison(a, b *platform.Repo) *Comparison {
	envs := a.Platform.Environments
	agree := make([]bool, len(envs))
	parallel.For(len(envs), func(i int) { agree[i] = SameAnswers(a, b, envs[i].Name) })
	c := &Comparison{a: a, b: b, agree: map[string]bool{}}
	for i, e := range envs {
		if _, seen := c.agree[e.Name]; !seen {
			c.agree[e.Name] = agree[i]
		}
	}
	return c
}

// Same reports whether renderers.Request(a, x) and renderers.Request(b, y)
// are proved to return the same files and the same error. It renders x in a for each
// environment whose lookups it must know, and never renders y.
func (c *Comparison) Same(x, y *platform.Request) bool {
	if x == nil || y == nil || !slices.Equal(x.Environments, y.Environments) {
		return false
	}
	// Request reads the request's file and team before any environment.
	if x.File != y.File || x.Team != y.Team || !sameTeam(c.a.Teams[x.Team], c.b.Teams[y.Team]) {
		return false
	}
	for _, env := range x.Environments {
		if !c.sameIn(x, y, env) {
			return false
		}
	}
	return true
}

// sameIn reports whether renderers.RequestIn(a, x, env) and
// renderers.RequestIn(b, y, env) are proved to return the same.
func (c *Comparison) sameIn(x, y *platform.Request, env string) bool {
	ox, okx := Own(c.a, x, env)
	oy, oky := Own(c.b, y, env)
	if !okx || !oky || ox != oy {
		return false
	}
	if c.agree[env] {
		return true
	}
	var l source.Lookups
	// An error ends the render; what it looked up until then decides.
	_, _ = renderers.RequestIn(c.a, x, env, &l)
	ax, okx := Answers(c.a, env, &l)
	ay, oky := Answers(c.b, env, &l)
	return okx && oky && ax == ay
}
