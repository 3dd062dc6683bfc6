package server

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/dipdev/dip/app/audit"
	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/app/repocache"
	"github.com/dipdev/dip/renderers"
	"github.com/dipdev/dip/vcs"
)

// maxAuditedCommits bounds the commits of the default branch whose pull
// requests one render records, when several merges are rendered at once.
const maxAuditedCommits = 50

// audit gathers the trail of a render of source: the pull requests merged
// since from (first parents only), who approved them, the policy bundle,
// the renderers and the exceptions in force.
func (h *Handler) audit(ctx context.Context, co *repocache.Checkout, repo vcs.Repo, from, source plumbing.Hash, b *pipeline.Build, requests []string) (*audit.Trail, error) {
	a := &audit.Trail{Source: source.String(), Requests: requests, Renderer: renderers.Version}
	var err error
	if a.Bundle, err = pipeline.BundleVersion(h.Bundle); err != nil {
		return nil, err
	}
	seen := map[int]bool{}
	for _, c := range firstParents(co.Repo, source, from, maxAuditedCommits) {
		prs, err := h.Provider.PullRequestsForCommit(ctx, repo, c.String())
		if err != nil {
			return nil, fmt.Errorf("pull requests of %s: %w", c, err)
		}
		for _, pr := range prs {
			if seen[pr.Number] {
				continue
			}
			seen[pr.Number] = true
			approvers, err := h.Provider.Approvers(ctx, repo, pr.Number)
			if err != nil {
				return nil, fmt.Errorf("approvers of #%d: %w", pr.Number, err)
			}
			slices.Sort(approvers)
			a.Pulls = append(a.Pulls, audit.Pull{Number: pr.Number, URL: pr.URL, Author: pr.Author, Approvers: approvers})
		}
	}
	slices.SortFunc(a.Pulls, func(x, y audit.Pull) int { return cmp.Compare(x.Number, y.Number) })
	a.Exceptions = audit.InForce(b.Repo, h.now().UTC().Format("2006-01-02"))
	return a, nil
}

// firstParents lists source and its first parents back to, not
// including, from: the commits of one branch since the last render. At
// most n; only source when from is zero.
func firstParents(r *git.Repository, source, from plumbing.Hash, n int) []plumbing.Hash {
	out := []plumbing.Hash{source}
	if from.IsZero() {
		return out
	}
	for h := source; len(out) < n; {
		p := firstParent(r, h)
		if p.IsZero() || p == from {
			break
		}
		out = append(out, p)
		h = p
	}
	return out
}
