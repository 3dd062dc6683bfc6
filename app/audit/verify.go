package audit

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/renderers"
	"github.com/dipdev/dip/vcs/gitfs"
)

// Status is what verification found of one commit.
type Status string

const (
	// Verified: the commit's tree is what its source commit renders to.
	Verified Status = "verified"
	// OtherVersion: rendered by other renderers than this dip's, and this
	// dip renders a different tree; an upgrade, not tampering, but not
	// verified either.
	OtherVersion Status = "other-version"
	// Mismatch: the tree is not what its source renders to with the
	// renderers the trail names.
	Mismatch Status = "mismatch"
	// HandEdit: a commit without dip's trailers that changes the rendered
	// tree.
	HandEdit Status = "hand-edit"
	// ByPerson: a commit without dip's trailers that leaves the rendered
	// tree as it was.
	ByPerson Status = "by-person"
	// Malformed: Dip- trailers that cannot be read.
	Malformed Status = "malformed"
	// MissingSource: the source commit named is not in the repository.
	MissingSource Status = "missing-source"
	// Unverifiable: what is needed to check is outside a shallow clone.
	Unverifiable Status = "unverifiable"
)

// Check is the verification of one commit of the output branch.
type Check struct {
	Commit    string    `json:"commit"`
	Time      time.Time `json:"time"`
	Committer string    `json:"committer"`
	Source    string    `json:"source_commit,omitempty"`
	Status    Status    `json:"status"`
	// Failed marks what breaks the chain from approved source to
	// committed tree.
	Failed  bool     `json:"failed"`
	Message string   `json:"message"`
	Notes   []string `json:"notes,omitempty"`
	// Differences are the paths whose content differs, at most
	// maxDifferences of them.
	Differences []string `json:"differences,omitempty"`
}

// Verification is the result of Verify.
type Verification struct {
	Branch string `json:"branch"`
	Tip    string `json:"tip"`
	// Partial says why some commits could not be checked; empty when all
	// could.
	Partial string `json:"partial,omitempty"`
	// Renderer and Bundle are this dip's versions.
	Renderer string  `json:"renderer"`
	Bundle   string  `json:"policy_bundle"`
	Checks   []Check `json:"commits"`
	Failures int     `json:"failures"`
	// Broken is the first commit that broke the chain; empty when none.
	Broken string `json:"broken_at,omitempty"`
}

// VerifyOptions says what to verify against.
type VerifyOptions struct {
	// Bundle is this dip's policy bundle version.
	Bundle string
	// Default and DefaultTip are the default branch and its head; a source
	// commit not reachable from it is reported. Zero skips that check.
	Default    string
	DefaultTip plumbing.Hash
	// Last verifies only the last Last commits; zero verifies all. Since
	// and Until, when set, bound the commits' times as a Filter does.
	Last         int
	Since, Until time.Time
}

// maxDifferences bounds the differing paths listed for one commit.
const maxDifferences = 20

// Verify re-renders the source commit of every render commit in h from
// r's own history, with this dip's renderers, and compares the result with
// the tree the commit holds; commits without dip's trailers are checked for
// changes to the rendered tree.
func Verify(r *git.Repository, h *History, opt VerifyOptions) *Verification {
	v := &Verification{Branch: h.Branch, Tip: h.Tip.String(), Partial: h.Partial, Renderer: renderers.Version, Bundle: opt.Bundle, Checks: []Check{}}
	vr := &verifier{repo: r, opt: opt, renders: map[plumbing.Hash]*render{}, outPath: "rendered"}
	if !opt.DefaultTip.IsZero() {
		vr.reach = newReach(r, opt.DefaultTip)
	}
	window := Filter{Since: opt.Since, Until: opt.Until}
	var before *Trail // the last trail before the commits checked
	start := h.window(opt.Last)
	for i, c := range h.Commits {
		if i < start || !window.keepsCommit(c) {
			if c.Trail != nil {
				before = c.Trail
			}
			continue
		}
		if before != nil {
			vr.outPath = vr.outputPathOf(before) // in force where the commits checked start
			before = nil
		}
		ch := vr.check(c)
		if ch.Status == Unverifiable && v.Partial == "" {
			v.Partial = "some commits need objects outside this shallow clone; run git fetch --unshallow"
		}
		if ch.Failed {
			v.Failures++
			if v.Broken == "" {
				v.Broken = ch.Commit
			}
		}
		v.Checks = append(v.Checks, ch)
	}
	return v
}

type verifier struct {
	repo    *git.Repository
	opt     VerifyOptions
	reach   *reach
	renders map[plumbing.Hash]*render
	// outPath is spec.output.path of the last source rendered.
	outPath string
}

// render is what this dip renders a source commit to.
type render struct {
	tree    plumbing.Hash
	files   map[string]plumbing.Hash
	outPath string
	err     error
}

func (vr *verifier) check(c *Commit) Check {
	ch := Check{Commit: c.Hash.String(), Time: c.When, Committer: c.Committer}
	switch {
	case c.Err != nil:
		ch.Status, ch.Failed, ch.Message = Malformed, true, c.Err.Error()
		return ch
	case c.Trail == nil:
		return vr.checkPerson(c, ch)
	}
	t := c.Trail
	ch.Source = t.Source
	if len(t.Source) != 40 {
		ch.Status, ch.Failed, ch.Message = MissingSource, true, "names a SHA-256 source commit, which this dip cannot read"
		return ch
	}
	source := plumbing.NewHash(t.Source)
	if _, err := vr.repo.CommitObject(source); err != nil {
		if vr.shallow() {
			ch.Status, ch.Message = Unverifiable, fmt.Sprintf("source commit %s is not in this shallow clone", short(source))
			return ch
		}
		ch.Status, ch.Failed = MissingSource, true
		ch.Message = fmt.Sprintf("names source commit %s, which does not exist in this repository (a forged trailer, or a force-push took it off the default branch)", t.Source)
		return ch
	}
	if vr.reach != nil && !vr.reach.has(source) {
		ch.Failed = true
		ch.Notes = append(ch.Notes, fmt.Sprintf("source commit %s is not on the default branch %s: it was rewritten since (a force-push?)", short(source), vr.opt.Default))
	}
	if t.Bundle != vr.opt.Bundle && vr.opt.Bundle != "" {
		ch.Notes = append(ch.Notes, fmt.Sprintf("policies were those of bundle %s; this dip has bundle %s", t.Bundle, vr.opt.Bundle))
	}
	rd := vr.render(source)
	sameRenderer := t.Renderer == renderers.Version
	by := "renderer version " + t.Renderer
	if t.Renderer == "" {
		by = "a dip that recorded no renderer version"
	}
	if rd.err != nil {
		if sameRenderer {
			ch.Status, ch.Failed, ch.Message = Mismatch, true, fmt.Sprintf("its source commit does not render: %v; dip commits no render of such a commit", rd.err)
		} else {
			ch.Status, ch.Message = OtherVersion, fmt.Sprintf("rendered by %s; this dip (renderer version %s) cannot render its source commit: %v", by, renderers.Version, rd.err)
		}
		return ch
	}
	vr.outPath = rd.outPath
	if rd.tree == c.Tree {
		ch.Status, ch.Message = Verified, "the tree is what its source commit renders to"
		if !sameRenderer {
			ch.Message = fmt.Sprintf("rendered by %s; this dip renders the same tree", by)
		}
		return ch
	}
	var n int
	ch.Differences, n = vr.differences(c.Tree, rd.files)
	if sameRenderer {
		ch.Status, ch.Failed = Mismatch, true
		ch.Message = fmt.Sprintf("the tree is not what source commit %s renders to: %s differ", short(source), plural(n, "path"))
		return ch
	}
	ch.Status = OtherVersion
	ch.Message = fmt.Sprintf("rendered by %s; this dip (renderer version %s) renders %s differently, as an upgrade of the renderers may: not verified, not tampering",
		by, renderers.Version, plural(n, "path"))
	return ch
}

// checkPerson checks a commit without dip's trailers: a hand edit when it
// changes the rendered tree, else only a commit by a person.
func (vr *verifier) checkPerson(c *Commit, ch Check) Check {
	what := "a commit by " + c.Author
	if len(c.Parents) > 1 {
		what = "a merge commit by " + c.Author
	}
	var parentTree plumbing.Hash
	if len(c.Parents) > 0 {
		pc, err := vr.repo.CommitObject(c.Parents[0])
		if err != nil {
			ch.Status, ch.Message = Unverifiable, what+" without dip's trailers, whose parent is not in this clone"
			return ch
		}
		parentTree = pc.TreeHash
	}
	before, after := vr.subtree(parentTree), vr.subtree(c.Tree)
	if before == after {
		ch.Status, ch.Message = ByPerson, fmt.Sprintf("%s without dip's trailers; it leaves %s/ as it was", what, vr.outPath)
		return ch
	}
	ch.Status, ch.Failed = HandEdit, true
	ch.Message = fmt.Sprintf("%s without dip's trailers changes %s/ by hand", what, vr.outPath)
	if len(c.Parents) > 0 {
		if changes, err := gitfs.ChangedFiles(vr.repo, c.Parents[0], c.Hash); err == nil {
			for _, x := range changes {
				if len(ch.Differences) < maxDifferences && inDir(x.Path, vr.outPath) {
					ch.Differences = append(ch.Differences, x.Kind.String()+" "+x.Path)
				}
			}
		}
	}
	return ch
}

// outputPathOf reads spec.output.path of the trail's source commit; the
// default when it cannot be read.
func (vr *verifier) outputPathOf(t *Trail) string {
	if len(t.Source) == 40 {
		if p, err := platformAt(vr.repo, plumbing.NewHash(t.Source)); err == nil {
			return strings.TrimSuffix(p.Output.Path, "/")
		}
	}
	return "rendered"
}

// subtree is the hash of the output path's tree in the tree root; zero
// when there is none.
func (vr *verifier) subtree(root plumbing.Hash) plumbing.Hash {
	if root.IsZero() {
		return plumbing.ZeroHash
	}
	t, err := vr.repo.TreeObject(root)
	if err != nil {
		return plumbing.ZeroHash
	}
	e, err := t.FindEntry(vr.outPath)
	if err != nil {
		return plumbing.ZeroHash
	}
	return e.Hash
}

func (vr *verifier) render(source plumbing.Hash) *render {
	if rd, ok := vr.renders[source]; ok {
		return rd
	}
	rd := &render{}
	vr.renders[source] = rd
	fsys, err := gitfs.New(vr.repo, source)
	if err != nil {
		rd.err = err
		return rd
	}
	b, err := pipeline.Render(fsys)
	if err != nil {
		rd.err = err
		return rd
	}
	// Warnings, such as a deprecated blueprint version, render as well.
	if errs := b.Diagnostics.Errors(); b.Repo == nil || len(errs) > 0 {
		first := "platform.yaml is invalid"
		if len(errs) > 0 {
			first = errs[0].Error()
		}
		rd.err = fmt.Errorf("%s (%s)", plural(max(1, len(errs)), "problem"), first)
		return rd
	}
	rd.outPath = strings.TrimSuffix(b.Repo.Platform.Output.Path, "/")
	// The tree's hash is all that is wanted: it is written to a scratch
	// store.
	scratch, err := git.Init(memory.NewStorage(), nil)
	if err != nil {
		rd.err = err
		return rd
	}
	if rd.tree, rd.err = WriteTree(scratch, rd.outPath, b.Files); rd.err != nil {
		return rd
	}
	rd.files = make(map[string]plumbing.Hash, len(b.Files))
	prefix := rd.outPath + "/"
	for _, f := range b.Files {
		rd.files[prefix+f.Path] = plumbing.ComputeHash(plumbing.BlobObject, f.Data)
	}
	return rd
}

// differences lists the paths where the tree and the rendered files
// differ, sorted, at most maxDifferences, and how many there are.
func (vr *verifier) differences(tree plumbing.Hash, want map[string]plumbing.Hash) ([]string, int) {
	t, err := vr.repo.TreeObject(tree)
	if err != nil {
		return []string{"the tree cannot be read: " + err.Error()}, 1
	}
	have := map[string]plumbing.Hash{}
	err = t.Files().ForEach(func(f *object.File) error {
		have[f.Name] = f.Hash
		return nil
	})
	if err != nil {
		return []string{"the tree cannot be read: " + err.Error()}, 1
	}
	var out []string
	for p, h := range have {
		switch w, ok := want[p]; {
		case !ok:
			out = append(out, "added "+p)
		case w != h:
			out = append(out, "modified "+p)
		}
	}
	for p := range want {
		if _, ok := have[p]; !ok {
			out = append(out, "deleted "+p)
		}
	}
	sortByPath(out)
	n := len(out)
	if n > maxDifferences {
		out = append(out[:maxDifferences], fmt.Sprintf("… and %d more", n-maxDifferences))
	}
	return out, n
}

func (vr *verifier) shallow() bool {
	hs, err := vr.repo.Storer.Shallow()
	return err == nil && len(hs) > 0
}

func inDir(p, dir string) bool { return len(p) > len(dir) && p[:len(dir)] == dir && p[len(dir)] == '/' }

// reach answers whether commits are reachable from a tip, walking the
// history only as far as the questions need.
type reach struct {
	repo  *git.Repository
	seen  map[plumbing.Hash]bool
	queue []plumbing.Hash
}

func newReach(r *git.Repository, tip plumbing.Hash) *reach {
	return &reach{repo: r, seen: map[plumbing.Hash]bool{tip: true}, queue: []plumbing.Hash{tip}}
}

func (x *reach) has(h plumbing.Hash) bool {
	for !x.seen[h] && len(x.queue) > 0 {
		next := x.queue[0]
		x.queue = x.queue[1:]
		c, err := x.repo.CommitObject(next)
		if err != nil {
			continue
		}
		for _, p := range c.ParentHashes {
			if !x.seen[p] {
				x.seen[p] = true
				x.queue = append(x.queue, p)
			}
		}
	}
	return x.seen[h]
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// sortByPath sorts "kind path" lines by path.
func sortByPath(lines []string) {
	path := func(s string) string {
		_, p, _ := strings.Cut(s, " ")
		return p
	}
	slices.SortFunc(lines, func(a, b string) int { return strings.Compare(path(a), path(b)) })
}
