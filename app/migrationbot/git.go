package migrationbot

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/dipdev/dip/app/repocache"
	"github.com/dipdev/dip/checks/validate"
	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/codeowners"
	"github.com/dipdev/dip/vcs/gitfs"
)

// fetchRefs are the refs a run fetches besides the default branch: every
// bot branch.
var fetchRefs = []string{"refs/heads/" + teamPrefix + "*", "refs/heads/" + requestPrefix + "*"}

// botBranches lists the bot branches of the clone, as last fetched: name
// to tip.
func botBranches(co *repocache.Checkout) (map[string]plumbing.Hash, error) {
	local := repocache.RemoteRef("refs/heads/").String()
	iter, err := co.Repo.References()
	if err != nil {
		return nil, err
	}
	out := map[string]plumbing.Hash{}
	err = iter.ForEach(func(ref *plumbing.Reference) error {
		name, ok := strings.CutPrefix(ref.Name().String(), local)
		if ok && vcs.IsMigrationBranch(name) && ref.Type() == plumbing.HashReference {
			out[name] = ref.Hash()
		}
		return nil
	})
	return out, err
}

// stateOf judges branch tip against g, the change it should make (nil for
// a pull request no group needs); the bot commits as sig.
func stateOf(co *repocache.Checkout, sig vcs.Signature, tip plumbing.Hash, g *group) (branchState, error) {
	s := branchState{tip: tip}
	if tip.IsZero() {
		return s, nil
	}
	c, err := co.Repo.CommitObject(tip)
	if err != nil {
		return s, fmt.Errorf("read branch tip %s: %w", tip, err)
	}
	s.ours = len(c.ParentHashes) == 1 && strings.EqualFold(c.Committer.Email, sig.Email) &&
		strings.EqualFold(c.Author.Email, sig.Email) && strings.Contains(c.Message, "\nDip-Codemod: ")
	if !s.ours || g == nil {
		return s, nil
	}
	changes, err := gitfs.ChangedFiles(co.Repo, c.ParentHashes[0], tip)
	if err != nil {
		return s, err
	}
	if len(changes) != len(g.files) {
		return s, nil
	}
	paths := make([]string, len(g.files))
	for i, f := range g.files {
		paths[i] = f.Path
		if changes[i].Path != f.Path || changes[i].Kind != gitfs.Modified {
			return s, nil
		}
	}
	before, err := blobs(co, c.ParentHashes[0], paths)
	if err != nil {
		return s, err
	}
	after, err := blobs(co, tip, paths)
	if err != nil {
		return s, err
	}
	for _, f := range g.files {
		if before[f.Path] != plumbing.ComputeHash(plumbing.BlobObject, f.Before) ||
			after[f.Path] != plumbing.ComputeHash(plumbing.BlobObject, f.After) {
			return s, nil
		}
	}
	s.same = true
	return s, nil
}

func blobs(co *repocache.Checkout, commit plumbing.Hash, paths []string) (map[string]plumbing.Hash, error) {
	tree, err := gitfs.New(co.Repo, commit)
	if err != nil {
		return nil, err
	}
	return tree.Blobs(paths...)
}

// writeCommit writes g's change as one commit on head, by sig, and returns
// it.
func (b *Bot) writeCommit(co *repocache.Checkout, who vcs.Signature, head plumbing.Hash, g *group) (plumbing.Hash, error) {
	hc, err := co.Repo.CommitObject(head)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read %s: %w", head, err)
	}
	files := make(map[string][]byte, len(g.files))
	for _, f := range g.files {
		files[f.Path] = f.After
	}
	tree, err := gitfs.WriteTree(co.Repo, hc.TreeHash, files)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write the tree of %s: %w", g.branch, err)
	}
	sig := object.Signature{Name: who.Name, Email: who.Email, When: b.now()}
	return gitfs.WriteCommit(co.Repo, &object.Commit{
		Author: sig, Committer: sig, TreeHash: tree, ParentHashes: []plumbing.Hash{head},
		Message: g.commitMessage(),
	})
}

// settings are what the bot reads of the default branch besides the
// migrations: the platform's settings, the teams, the code owners.
type settings struct {
	platform *platform.Platform
	teams    map[string]*platform.Team
	owners   *codeowners.File
}

// errInvalidPlatform is a default branch whose platform.yaml does not
// validate: its diagnostics say why, and there is nothing to do.
var errInvalidPlatform = errors.New("platform.yaml is missing or invalid")

// readSettings reads platform.yaml, the team files and the CODEOWNERS file
// host reads, and validates the first two.
func readSettings(tree fs.FS, host vcs.Host) (*settings, error) {
	plat, err := platform.ReadFile(tree, platform.PlatformFile)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errInvalidPlatform, err)
	}
	src := &platform.Source{Platform: plat}
	names, err := fs.Glob(tree, platform.TeamsDir+"/*.yaml")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		if doc, err := platform.ReadFile(tree, name); err == nil {
			src.Teams = append(src.Teams, doc)
		}
	}
	repo, diags := validate.Repo(src)
	if repo == nil {
		first := "platform.yaml"
		if len(diags) > 0 {
			first = diags[0].Error()
		}
		return nil, fmt.Errorf("%w: %s", errInvalidPlatform, first)
	}
	s := &settings{platform: repo.Platform, teams: repo.Teams}
	for _, name := range codeowners.Locations(host) {
		info, err := fs.Stat(tree, name)
		if err != nil || !info.Mode().IsRegular() || info.Size() > codeowners.MaxSize {
			continue
		}
		data, err := fs.ReadFile(tree, name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		if s.owners, err = codeowners.Parse(data, host); err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		break
	}
	return s, nil
}

// reviewers are who should review g: its team's owners, then the code
// owners of its files, each once.
func (s *settings) reviewers(g *group) []string {
	var out []string
	add := func(who ...string) {
		for _, w := range who {
			if !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, w) }) {
				out = append(out, w)
			}
		}
	}
	if t := s.teams[g.team]; t != nil {
		add(t.Owners...)
	}
	if s.owners != nil {
		for _, f := range g.files {
			add(s.owners.Owners(path.Clean(f.Path))...)
		}
	}
	return out
}
