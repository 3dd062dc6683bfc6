package audit

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/vcs/gitfs"
)

// Branch is a branch resolved in a clone.
type Branch struct {
	// Name is the branch's short name; Ref the ref read.
	Name string
	Ref  plumbing.ReferenceName
	Tip  plumbing.Hash
	// Warning says why one of several refs of the name was chosen.
	Warning string
}

// ResolveBranch finds branch name in a clone: a full ref name as it is;
// else the local branch, origin's remote-tracking branch, another remote's
// when only one has it, or a dip serve cache's copy. When the local branch
// and origin's differ, origin's is read, since it is what was pushed; the
// warning says so.
func ResolveBranch(r *git.Repository, name string) (*Branch, error) {
	if strings.HasPrefix(name, "refs/") {
		ref, err := r.Reference(plumbing.ReferenceName(name), true)
		if err != nil {
			return nil, fmt.Errorf("branch %s: %w", name, err)
		}
		return &Branch{Name: shortName(name), Ref: ref.Name(), Tip: ref.Hash()}, nil
	}
	get := func(n string) *plumbing.Reference {
		ref, err := r.Reference(plumbing.ReferenceName(n), true)
		if err != nil {
			return nil
		}
		return ref
	}
	local, origin := get("refs/heads/"+name), get("refs/remotes/origin/"+name)
	switch {
	case local != nil && origin != nil && local.Hash() != origin.Hash():
		return &Branch{Name: name, Ref: origin.Name(), Tip: origin.Hash(),
			Warning: fmt.Sprintf("the local branch %s (%s) differs from origin/%s (%s); reading origin/%s, what was pushed (--branch refs/heads/%s reads the local one)",
				name, short(local.Hash()), name, short(origin.Hash()), name, name)}, nil
	case origin != nil:
		return &Branch{Name: name, Ref: origin.Name(), Tip: origin.Hash()}, nil
	case local != nil:
		return &Branch{Name: name, Ref: local.Name(), Tip: local.Hash()}, nil
	}
	refs, err := r.References()
	if err != nil {
		return nil, err
	}
	var found []*plumbing.Reference
	_ = refs.ForEach(func(ref *plumbing.Reference) error {
		n := ref.Name().String()
		if strings.HasPrefix(n, "refs/remotes/") && strings.HasSuffix(n, "/"+name) && strings.Count(n[len("refs/remotes/"):], "/") == strings.Count(name, "/")+1 {
			found = append(found, ref)
		}
		return nil
	})
	if len(found) > 1 {
		return nil, fmt.Errorf("branch %s: several remotes have it (%s, ...); name one, as in --branch refs/remotes/%s", name, found[0].Name(), shortName(found[0].Name().String()))
	}
	if len(found) == 1 {
		ref, err := r.Reference(found[0].Name(), true)
		if err == nil {
			return &Branch{Name: name, Ref: ref.Name(), Tip: ref.Hash()}, nil
		}
	}
	if ref := get("refs/dip/heads/" + name); ref != nil {
		return &Branch{Name: name, Ref: ref.Name(), Tip: ref.Hash()}, nil
	}
	if h, err := gitfs.Resolve(r, name); err == nil {
		return &Branch{Name: name, Ref: plumbing.ReferenceName(name), Tip: h}, nil
	}
	return nil, fmt.Errorf("branch %s: %w: no local or remote-tracking branch of that name (git fetch origin %s?)", name, ErrNoBranch, name)
}

// ErrNoBranch is a branch the clone does not have.
var ErrNoBranch = errors.New("not in this clone")

func shortName(ref string) string {
	for _, p := range []string{"refs/heads/", "refs/remotes/", "refs/dip/heads/"} {
		if s, ok := strings.CutPrefix(ref, p); ok {
			return s
		}
	}
	return ref
}

// DefaultBranch guesses the platform repo's default branch in a clone:
// what origin's HEAD names, else the branch checked out, else main or
// master, whichever exists.
func DefaultBranch(r *git.Repository) (string, error) {
	if ref, err := r.Reference("refs/remotes/origin/HEAD", false); err == nil && ref.Type() == plumbing.SymbolicReference {
		return strings.TrimPrefix(ref.Target().String(), "refs/remotes/origin/"), nil
	}
	if ref, err := r.Reference(plumbing.HEAD, false); err == nil && ref.Type() == plumbing.SymbolicReference && ref.Target().IsBranch() {
		name := ref.Target().Short()
		if b, err := ResolveBranch(r, name); err == nil && hasPlatformFile(r, b.Tip) {
			return name, nil
		}
	}
	for _, name := range []string{"main", "master"} {
		if _, err := ResolveBranch(r, name); err == nil {
			return name, nil
		}
	}
	return "", errors.New("no default branch found: name it with --default-branch")
}

func hasPlatformFile(r *git.Repository, commit plumbing.Hash) bool {
	fsys, err := gitfs.New(r, commit)
	if err != nil {
		return false
	}
	_, err = fs.Stat(fsys, platform.PlatformFile)
	return err == nil
}

// OutputBranch reads spec.output.branch from platform.yaml at commit.
func OutputBranch(r *git.Repository, commit plumbing.Hash) (string, error) {
	p, err := platformAt(r, commit)
	if err != nil {
		return "", err
	}
	return p.Output.Branch, nil
}

// platformAt reads platform.yaml at commit.
func platformAt(r *git.Repository, commit plumbing.Hash) (*platform.Platform, error) {
	fsys, err := gitfs.New(r, commit)
	if err != nil {
		return nil, err
	}
	data, err := fs.ReadFile(fsys, platform.PlatformFile)
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", platform.PlatformFile, short(commit), err)
	}
	doc, err := platform.ParseYAML(platform.PlatformFile, data)
	if err != nil {
		return nil, err
	}
	return platform.DecodePlatform(doc)
}
