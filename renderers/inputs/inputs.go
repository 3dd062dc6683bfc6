// Package inputs digests what a render reads, and proves with it that a
// request renders the same in two versions of a repo without rendering
// both (see Comparison).
//
// A render is renderers.RequestIn(repo, req, env, …): one request in one
// of its environments. Renderers read exactly these parts of the repo,
// and TestRenderersReadOnlyTheirInputs fails on any renderer that reads
// more:
//
//   - of platform.yaml, the platform's name and the environment env as
//     Platform.Environment returns it: whether it exists, its name and its
//     region;
//   - of req's team, repo.Teams[req.Team]: whether it exists, its name and
//     its cost center;
//   - of req, its File, Kind, Name, Team, Environments and Cloud(), and its
//     typed spec for env, Spec(env), every field of it;
//   - through source.Request's Find and LookupTeam, other requests by kind
//     and name and teams by name; of each request found, what is read of
//     req above, with its spec for env only (source.Request.SpecOf); of
//     each team found, what is read of req's team.
//
// The first three are a render's own inputs (Own); the last are the
// answers to its lookups (Answers). A request's apiVersion, its document,
// its exceptions and the rest of platform.yaml are read by no renderer, so
// a migration may change them and still render the same.
package inputs

import (
	"bytes"
	"crypto/sha256"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers/source"
)

// Digest is a SHA-256 digest of the canonical bytes of some of the inputs
// of a render.
type Digest [sha256.Size]byte

// Own returns the digest of a render's own inputs: what rendering req for
// env in repo reads without looking anything up. ok is false when they
// cannot be digested: the spec does not decode for env, or holds a value
// that canon cannot write.
func Own(repo *platform.Repo, req *platform.Request, env string) (Digest, bool) {
	c := ownInputs(repo, req, env)
	return sha256.Sum256(c.buf), c.ok
}

func ownInputs(repo *platform.Repo, req *platform.Request, env string) *canon {
	c := newCanon()
	c.str("own")
	c.str(repo.Platform.Name)
	e, ok := repo.Platform.Environment(env)
	c.bool(ok)
	c.str(e.Name)
	c.str(e.Region)
	c.team(repo.Teams[req.Team])
	c.request(req, env)
	return c
}

// Answers returns the digest of what repo answers, for a render in env, to
// the lookups in l: for each request looked up, the request found (what a
// renderer reads of it, see Own) or that there is none; for each
// team, the same. ok is false as for Own.
func Answers(repo *platform.Repo, env string, l *source.Lookups) (Digest, bool) {
	c := newCanon()
	c.str("answers")
	c.uint(uint64(len(l.Requests)))
	for _, k := range l.Requests {
		c.str(k.Kind)
		c.str(k.Name)
		c.request(repo.Find(k.Kind, k.Name), env)
	}
	c.uint(uint64(len(l.Teams)))
	for _, name := range l.Teams {
		c.str(name)
		c.team(repo.Teams[name])
	}
	return sha256.Sum256(c.buf), c.ok
}

// SameAnswers reports whether repos a and b answer every lookup a render
// in env could make alike: every kind and name finds in both no request,
// the same request, or requests that read the same (see Own), and
// every team name finds in both no team or teams that read the same. When
// it is true, a render's answers are the same in a and b whatever it looks
// up, so its own inputs decide. A request or team found in both is the
// same when it is the same value: requests and teams are not changed once
// validated.
func SameAnswers(a, b *platform.Repo, env string) bool {
	for _, teams := range []map[string]*platform.Team{a.Teams, b.Teams} {
		for name := range teams {
			if x, y := a.Teams[name], b.Teams[name]; x != y && !sameTeam(x, y) {
				return false
			}
		}
	}
	for _, repo := range []*platform.Repo{a, b} {
		for _, q := range repo.Requests {
			x, y := a.Find(q.Kind, q.Name), b.Find(q.Kind, q.Name)
			if x == y {
				continue
			}
			cx, cy := newCanon(), newCanon()
			cx.request(x, env)
			cy.request(y, env)
			if !cx.ok || !cy.ok || !bytes.Equal(cx.buf, cy.buf) {
				return false
			}
		}
	}
	return true
}

func sameTeam(x, y *platform.Team) bool {
	cx, cy := newCanon(), newCanon()
	cx.team(x)
	cy.team(y)
	return bytes.Equal(cx.buf, cy.buf)
}

// team writes what renderers read of a team, or that there is none.
func (c *canon) team(t *platform.Team) {
	if t == nil {
		c.tag('N')
		return
	}
	c.tag('t')
	c.str(t.Name)
	c.str(t.CostCenter)
}

// request writes what renderers read of a request rendered or looked up
// for env, or that there is none.
func (c *canon) request(r *platform.Request, env string) {
	if r == nil {
		c.tag('N')
		return
	}
	c.tag('r')
	c.str(r.File)
	c.str(r.Kind)
	c.str(r.Name)
	c.str(r.Team)
	c.strs(r.Environments)
	c.bool(r.Cloud())
	spec, err := r.Spec(env)
	if err != nil {
		c.ok = false
		return
	}
	c.value(spec)
}
