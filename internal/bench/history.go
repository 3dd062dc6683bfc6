package bench

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"testing/fstest"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/dipdev/dip/app/audit"
	"github.com/dipdev/dip/app/pipeline"
	policybundle "github.com/dipdev/dip/policy-bundle"
	"github.com/dipdev/dip/renderers"
	"github.com/dipdev/dip/vcs/gitfs"
)

// GenerateHistory writes a bare git repository into dir whose main branch
// has commits+1 commits of a platform repo of requests queues, each commit
// after the first changing one queue, as a merged pull request; and whose
// output branch rendered has a render commit of each, with the trailers
// and trees dip serve writes: dip audit --verify passes on it. Objects are
// built in memory and written as one pack, so that ten thousand commits
// take seconds.
func GenerateHistory(dir string, commits, requests int) error {
	if requests < 1 || commits < 0 {
		return fmt.Errorf("history of %d commits of %d requests", commits, requests)
	}
	g, err := newHistoryGen(requests)
	if err != nil {
		return err
	}
	mem := memory.NewStorage()
	memRepo, err := git.Init(mem, nil)
	if err != nil {
		return err
	}
	g.st = mem
	state := make([]int, requests) // each request's variant
	src, out := newTreeBuilder(), newTreeBuilder()
	for p, data := range g.fixed {
		if err := src.set(mem, p, data); err != nil {
			return err
		}
	}
	var all []string
	for i := range requests {
		if err := g.apply(src, out, i, 0); err != nil {
			return err
		}
		all = append(all, g.paths[i])
	}
	bundle, err := pipeline.BundleVersion(policybundle.FS)
	if err != nil {
		return err
	}
	when := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var source, render plumbing.Hash
	for k := 0; k <= commits; k++ {
		changed := all
		msg := "Start the platform repo"
		var pulls []audit.Pull
		if k > 0 {
			i := (k - 1) % requests
			state[i] ^= 1
			if err := g.apply(src, out, i, state[i]); err != nil {
				return err
			}
			changed = []string{g.paths[i]}
			msg = fmt.Sprintf("Merge pull request #%d from acme/change-%d\n\nChange %s", k, k, g.paths[i])
			pulls = []audit.Pull{{Number: k, URL: fmt.Sprintf("https://github.example/acme/platform/pull/%d", k),
				Author: fmt.Sprintf("dev%d", k%50), Approvers: []string{fmt.Sprintf("lead%d", k%7)}}}
		}
		when = when.Add(time.Minute)
		sig := object.Signature{Name: "Dev", Email: "dev@example.com", When: when}
		srcTree, err := src.write(mem)
		if err != nil {
			return err
		}
		c := &object.Commit{Author: sig, Committer: sig, TreeHash: srcTree, Message: msg}
		if !source.IsZero() {
			c.ParentHashes = []plumbing.Hash{source}
		}
		if source, err = gitfs.WriteObject(mem, c); err != nil {
			return err
		}
		outTree, err := out.write(mem)
		if err != nil {
			return err
		}
		trail := &audit.Trail{Source: source.String(), Pulls: pulls, Bundle: bundle, Renderer: renderers.Version, Requests: changed, Exceptions: []audit.Exception{}}
		dipSig := object.Signature{Name: "dip", Email: "dip[bot]@users.noreply.github.com", When: when.Add(10 * time.Second)}
		if render, err = audit.WriteCommit(memRepo, outTree, render, trail, msg, dipSig); err != nil {
			return err
		}
	}
	return writeRepo(dir, mem, source, render)
}

// historyGen holds what every commit of a generated history is built from:
// the fixed files, and each request's two variants and their renders.
type historyGen struct {
	st    storer.EncodedObjectStorer
	fixed map[string][]byte
	paths []string
	// variants[v][i] is request i's file in variant v; rendered[v][i] its
	// rendered files, by path under rendered/.
	variants [2][][]byte
	rendered [2][]map[string][]byte
}

func newHistoryGen(requests int) (*historyGen, error) {
	teams := max(1, requests/25)
	g := &historyGen{fixed: map[string][]byte{"platform.yaml": []byte(platformYAML)}}
	for t := range teams {
		name := teamName(t)
		g.fixed["teams/"+name+".yaml"] = []byte(fmt.Sprintf(teamYAML, name, name, 1000+t, name))
	}
	for v := range 2 {
		repo := fstest.MapFS{}
		for p, data := range g.fixed {
			repo[p] = &fstest.MapFile{Data: data}
		}
		g.variants[v] = make([][]byte, requests)
		for i := range requests {
			team := teamName(i % teams)
			p := fmt.Sprintf("requests/%s/queue-%05d.yaml", team, i)
			if v == 0 {
				g.paths = append(g.paths, p)
			}
			body := fmt.Sprintf("apiVersion: dip/v1\nkind: Queue\nmetadata:\n  name: queue-%05d\n  team: %s\nspec:\n  environments: [staging, production]\n  visibilityTimeoutSeconds: %d\n", i, team, 30*(v+1))
			g.variants[v][i] = []byte(body)
			repo[p] = &fstest.MapFile{Data: []byte(body)}
		}
		b, err := pipeline.Render(repo)
		if err != nil {
			return nil, err
		}
		if errs := b.Diagnostics.Errors(); len(errs) > 0 {
			return nil, fmt.Errorf("generated history: %v", errs[0])
		}
		g.rendered[v] = make([]map[string][]byte, requests)
		index := map[string]int{}
		for i, p := range g.paths {
			index[p] = i
			g.rendered[v][i] = map[string][]byte{}
		}
		for _, f := range b.Files {
			g.rendered[v][index[f.Source]]["rendered/"+f.Path] = f.Data
		}
	}
	return g, nil
}

// apply sets request i to variant v in the source and rendered trees.
func (g *historyGen) apply(src, out *treeBuilder, i, v int) error {
	if err := src.set(g.st, g.paths[i], g.variants[v][i]); err != nil {
		return err
	}
	for p, data := range g.rendered[v][i] {
		if err := out.set(g.st, p, data); err != nil {
			return err
		}
	}
	return nil
}

// treeBuilder keeps a tree of files and writes only the directories that
// changed since the last write.
type treeBuilder struct {
	dirs  map[string]map[string]object.TreeEntry
	dirty map[string]bool
	hash  map[string]plumbing.Hash
}

func newTreeBuilder() *treeBuilder {
	return &treeBuilder{dirs: map[string]map[string]object.TreeEntry{"": {}}, dirty: map[string]bool{"": true}, hash: map[string]plumbing.Hash{}}
}

func (t *treeBuilder) set(st storer.EncodedObjectStorer, p string, data []byte) error {
	h, err := gitfs.WriteBlob(st, data)
	if err != nil {
		return err
	}
	dir, name := path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	t.entries(dir)[name] = object.TreeEntry{Name: name, Mode: filemode.Regular, Hash: h}
	for {
		t.dirty[dir] = true
		if dir == "" {
			return nil
		}
		parent, base := path.Split(dir)
		parent = strings.TrimSuffix(parent, "/")
		if _, ok := t.entries(parent)[base]; !ok {
			t.entries(parent)[base] = object.TreeEntry{Name: base, Mode: filemode.Dir}
		}
		dir = parent
	}
}

func (t *treeBuilder) entries(dir string) map[string]object.TreeEntry {
	es, ok := t.dirs[dir]
	if !ok {
		es = map[string]object.TreeEntry{}
		t.dirs[dir] = es
	}
	return es
}

// write writes the changed directories, deepest first, and returns the
// root's hash.
func (t *treeBuilder) write(st storer.EncodedObjectStorer) (plumbing.Hash, error) {
	dirty := make([]string, 0, len(t.dirty))
	for d := range t.dirty {
		dirty = append(dirty, d)
	}
	slices.SortFunc(dirty, func(a, b string) int { return depth(b) - depth(a) })
	for _, d := range dirty {
		tree := &object.Tree{}
		for name, e := range t.dirs[d] {
			if e.Mode == filemode.Dir {
				e.Hash = t.hash[path.Join(d, name)]
			}
			tree.Entries = append(tree.Entries, e)
		}
		gitfs.SortEntries(tree.Entries)
		h, err := gitfs.WriteObject(st, tree)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		t.hash[d] = h
	}
	clear(t.dirty)
	return t.hash[""], nil
}

// depth counts a directory's path elements; the root's is 0.
func depth(d string) int {
	if d == "" {
		return 0
	}
	return strings.Count(d, "/") + 1
}

// writeRepo initialises a bare repository in dir, writes every object of
// mem into it as one pack, and points main and rendered at their tips.
func writeRepo(dir string, mem *memory.Storage, main, rendered plumbing.Hash) error {
	r, err := git.PlainInit(dir, true)
	if err != nil {
		return err
	}
	pw, ok := r.Storer.(storer.PackfileWriter)
	if !ok {
		return fmt.Errorf("%s: storage cannot take a pack", dir)
	}
	w, err := pw.PackfileWriter()
	if err != nil {
		return err
	}
	hashes := make([]plumbing.Hash, 0, len(mem.Objects))
	for h := range mem.Objects {
		hashes = append(hashes, h)
	}
	if _, err := packfile.NewEncoder(w, mem, false).Encode(hashes, 0); err != nil {
		w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	for name, h := range map[plumbing.ReferenceName]plumbing.Hash{"refs/heads/main": main, "refs/heads/rendered": rendered} {
		if err := r.Storer.SetReference(plumbing.NewHashReference(name, h)); err != nil {
			return err
		}
	}
	return r.Storer.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, "refs/heads/main"))
}
