package server

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/app/repocache"
	"github.com/dipdev/dip/vcs"
)

// auditTrail is what the output branch's commit records of one source
// commit: the git trailers of the design's audit section.
type auditTrail struct {
	source     string
	pulls      []pullAudit
	bundle     string
	requests   []string
	exceptions []string
}

// pullAudit is a merged pull request and who approved it.
type pullAudit struct {
	vcs.PullRequest
	approvers []string
}

// maxAuditedCommits bounds the commits of the default branch whose pull
// requests one render records, when several merges are rendered at once.
const maxAuditedCommits = 50

// audit gathers the trail of a render of source: the pull requests merged
// since from (first parents only), who approved them, the policy bundle
// and the exceptions in force.
func (h *Handler) audit(ctx context.Context, co *repocache.Checkout, repo vcs.Repo, from, source plumbing.Hash, b *pipeline.Build, requests []string) (*auditTrail, error) {
	a := &auditTrail{source: source.String(), requests: requests}
	var err error
	if a.bundle, err = pipeline.BundleVersion(h.Bundle); err != nil {
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
			a.pulls = append(a.pulls, pullAudit{PullRequest: pr, approvers: approvers})
		}
	}
	slices.SortFunc(a.pulls, func(x, y pullAudit) int { return cmp.Compare(x.Number, y.Number) })
	today := h.now().UTC().Format("2006-01-02")
	for _, r := range b.Repo.Requests {
		for _, ex := range r.Exceptions {
			if ex.Expires >= today {
				a.exceptions = append(a.exceptions, r.File+" "+ex.Policy+" "+ex.Expires)
			}
		}
	}
	slices.Sort(a.exceptions)
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

// message is the commit message: a subject naming the source commit, then
// the trailers. Each pull request's line is followed by its author's and
// approvers' lines.
func (a *auditTrail) message(source *object.Commit) string {
	subject, _, _ := strings.Cut(strings.TrimSpace(source.Message), "\n")
	var b strings.Builder
	fmt.Fprintf(&b, "Render %s: %s\n\n", a.source[:min(12, len(a.source))], oneLine(subject, 200))
	fmt.Fprintf(&b, "Rendered by dip from %s.\n\n", a.source)
	fmt.Fprintf(&b, "Dip-Source-Commit: %s\n", a.source)
	for _, pr := range a.pulls {
		fmt.Fprintf(&b, "Dip-Pull-Request: %d %s\n", pr.Number, oneLine(pr.URL, 500))
		if pr.Author != "" {
			fmt.Fprintf(&b, "Dip-Requested-By: %s\n", oneLine(pr.Author, 100))
		}
		for _, who := range pr.approvers {
			fmt.Fprintf(&b, "Dip-Approved-By: %s\n", oneLine(who, 100))
		}
	}
	fmt.Fprintf(&b, "Dip-Policy-Bundle: %s\n", a.bundle)
	for _, p := range a.requests {
		fmt.Fprintf(&b, "Dip-Request: %s\n", oneLine(p, 500))
	}
	for _, e := range a.exceptions {
		fmt.Fprintf(&b, "Dip-Exception: %s\n", oneLine(e, 500))
	}
	return b.String()
}

// oneLine keeps a value from breaking the trailer block: newlines become
// spaces, and it is cut to n bytes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n]
	}
	return s
}

// trailer returns the last value of trailer key in a commit message.
func trailer(msg, key string) string {
	var v string
	sc := bufio.NewScanner(strings.NewReader(msg))
	for sc.Scan() {
		if val, ok := strings.CutPrefix(sc.Text(), key+": "); ok {
			v = strings.TrimSpace(val)
		}
	}
	return v
}
