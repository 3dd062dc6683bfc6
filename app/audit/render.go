package audit

import (
	"fmt"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers"
	"github.com/dipdev/dip/vcs/gitfs"
)

// WriteTree writes the tree of a render commit: the rendered files under the
// platform's output path, and nothing else.
func WriteTree(repo *git.Repository, outPath string, files []renderers.File) (plumbing.Hash, error) {
	m := make(map[string][]byte, len(files))
	prefix := strings.TrimSuffix(outPath, "/") + "/"
	for _, f := range files {
		m[prefix+f.Path] = f.Data
	}
	h, err := gitfs.WriteTree(repo, plumbing.ZeroHash, m)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write rendered tree: %w", err)
	}
	return h, nil
}

// WriteCommit writes a render commit of tree on parent (none when zero), whose
// message is the trail's for the source commit's message.
func WriteCommit(repo *git.Repository, tree, parent plumbing.Hash, t *Trail, sourceMessage string, sig object.Signature) (plumbing.Hash, error) {
	var parents []plumbing.Hash
	if !parent.IsZero() {
		parents = []plumbing.Hash{parent}
	}
	c := &object.Commit{Author: sig, Committer: sig, TreeHash: tree, ParentHashes: parents, Message: t.Message(sourceMessage)}
	return gitfs.WriteCommit(repo, c)
}

// ChangedRequests lists the request files added, changed or removed between
// the commits from and to; every request of requests when from is zero.
func ChangedRequests(r *git.Repository, from, to plumbing.Hash, requests []*platform.Document) ([]string, error) {
	if from.IsZero() {
		paths := make([]string, 0, len(requests))
		for _, d := range requests {
			paths = append(paths, d.File)
		}
		return paths, nil
	}
	changes, err := gitfs.ChangedFiles(r, from, to)
	if err != nil {
		return nil, fmt.Errorf("changed requests: %w", err)
	}
	var paths []string
	for _, c := range changes {
		if isRequestPath(c.Path) {
			paths = append(paths, c.Path)
		}
	}
	return paths, nil
}

// isRequestPath reports whether p is where a request file lives.
func isRequestPath(p string) bool {
	return strings.HasPrefix(p, platform.RequestsDir+"/") && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml"))
}

// InForce lists the exceptions of repo's requests that hold on today
// (YYYY-MM-DD), sorted.
func InForce(repo *platform.Repo, today string) []Exception {
	var out []Exception
	for _, r := range repo.Requests {
		for _, ex := range r.Exceptions {
			if ex.Expires >= today {
				out = append(out, Exception{Request: r.File, Policy: ex.Policy, Expires: ex.Expires})
			}
		}
	}
	slices.SortFunc(out, compareExceptions)
	return out
}

func compareExceptions(a, b Exception) int {
	if c := strings.Compare(a.Request, b.Request); c != 0 {
		return c
	}
	if c := strings.Compare(a.Policy, b.Policy); c != 0 {
		return c
	}
	return strings.Compare(a.Expires, b.Expires)
}
