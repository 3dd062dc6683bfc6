package pipeline

import (
	"bytes"
	"errors"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dipdev/dip/checks/validate"
	"github.com/dipdev/dip/internal/parallel"
	"github.com/dipdev/dip/platform"
)

// Blobs maps each file of a platform repo, by slash-separated path from
// the repo's root, to an id of its content such as its git blob hash:
// files with the same id hold the same bytes.
type Blobs map[string]string

// loadChange reads and validates the two sides of a change reading only
// the request files the change touches and those that bear on them; the
// other request files are known by their facts alone. It reports false
// when it cannot tell the change this way, and Check then reads both
// sides whole.
//
// What is read is chosen so that validation, rendering and the scope of
// the files judged come out as when everything is read: every file in
// scope is read with every file whose content can change what is reported
// for it (requests of the same kind and name, or whose cloud names may
// equal its own (see side.partners), the Namespace requests that
// manage its namespaces, the requests it uses and, transitively, theirs;
// all requests of a kind when a use of that kind does not resolve, for the
// "did you mean" suggestion). platform.yaml and the teams are always read.
func (run *CheckRun) loadChange(opt CheckOptions) bool {
	if opt.Base == nil || opt.Facts == nil || opt.HeadBlobs == nil || opt.BaseBlobs == nil {
		return false
	}
	if id, ok := opt.HeadBlobs[platform.PlatformFile]; !ok || id != opt.BaseBlobs[platform.PlatformFile] {
		return false // a changed platform.yaml judges everything
	}
	head := newSide(opt.Head, opt.HeadBlobs)
	base := newSide(opt.Base, opt.BaseBlobs)
	head.learn(opt.Facts)
	base.learn(opt.Facts)
	need := needed(head, base)
	headFS := &hiding{fsys: opt.Head, hide: head.hidden(need)}
	headSrc, err := platform.LoadReusing(headFS, withDocs(nil, head.docs))
	if err != nil {
		return false
	}
	// A file of the base with the same content as the head's is taken
	// from the head's document, not read again.
	fromHead := map[string][]byte{}
	for _, d := range allDocs(headSrc) {
		if id, ok := opt.HeadBlobs[d.File]; ok && opt.BaseBlobs[d.File] == id {
			fromHead[d.File] = d.Data
		}
	}
	baseFS := &hiding{fsys: opt.Base, hide: base.hidden(need), data: fromHead}
	baseSrc, err := platform.LoadReusing(baseFS, withDocs(headSrc, base.docs))
	if err != nil {
		return false
	}
	scope := ChangeScope(headSrc, baseSrc)
	if scope == nil {
		return false
	}
	run.Head, run.Base, run.Scope = validated(headSrc), validated(baseSrc), scope
	run.Head.unread = int(headFS.skipped.Load())
	return true
}

func allDocs(src *platform.Source) []*platform.Document {
	out := append([]*platform.Document{src.Platform}, src.Teams...)
	if src.Platform == nil {
		out = out[1:]
	}
	return append(out, src.Requests...)
}

func validated(src *platform.Source) *Build {
	repo, diags := validate.Repo(src)
	return &Build{Repo: repo, Source: src, Diagnostics: diags}
}

// side is one tree of a change as its blobs and their facts tell it.
type side struct {
	fsys  fs.FS
	blobs Blobs
	// paths are the request files; facts holds theirs, by path.
	paths []string
	facts map[string]*Facts
	// docs are the files parsed to learn their facts.
	docs []*platform.Document
	// byRef and byKind list the request files by kind and name as
	// written, and by kind.
	byRef  map[Ref][]string
	byKind map[string][]string
	// byClaim lists the request files by the keys of the names they may
	// claim when rendered (see claimKeys and partners).
	byClaim map[Ref][]string
	// stems lists the stems of byClaim by space, sorted (see sortStems).
	stems map[string][]stemmed
}

func newSide(fsys fs.FS, blobs Blobs) *side {
	s := &side{fsys: fsys, blobs: blobs, paths: make([]string, 0, len(blobs))}
	for p := range blobs {
		if isRequestPath(p) {
			s.paths = append(s.paths, p)
		}
	}
	return s
}

// learn finds the facts of every request file, from x or, for the files x
// does not know, by reading them; it adds what it reads to x. A file that
// cannot be read is left without facts, and so is read again later.
func (s *side) learn(x *FactIndex) {
	ids := make([]string, len(s.paths))
	for i, p := range s.paths {
		ids[i] = s.blobs[p]
	}
	known := x.lookupAll(ids)
	s.facts = make(map[string]*Facts, len(s.paths))
	var missing []string
	for i, p := range s.paths {
		if known[i] != nil {
			s.facts[p] = known[i]
		} else {
			missing = append(missing, p)
		}
	}
	slices.Sort(missing)
	docs := make([]*platform.Document, len(missing))
	facts := make([]Facts, len(missing))
	ok := make([]bool, len(missing))
	parallel.For(len(missing), func(i int) {
		doc, err := platform.ReadFile(s.fsys, missing[i])
		var diag platform.Diagnostic
		switch {
		case err == nil:
			docs[i], facts[i], ok[i] = doc, FactsOf(doc), true
		case errors.As(err, &diag):
			ok[i] = true // it does not parse: Facts{}
		}
	})
	for i, p := range missing {
		if ok[i] {
			x.Add(s.blobs[p], facts[i])
			s.facts[p] = &facts[i]
		}
		if docs[i] != nil {
			s.docs = append(s.docs, docs[i])
		}
	}
	s.byRef = make(map[Ref][]string, len(s.facts))
	s.byKind = map[string][]string{}
	s.byClaim = map[Ref][]string{}
	for p, f := range s.facts {
		if f.Parsed {
			r := Ref{f.Kind, f.Name}
			s.byRef[r] = append(s.byRef[r], p)
			s.byKind[f.Kind] = append(s.byKind[f.Kind], p)
			for _, key := range claimKeys(f) {
				s.byClaim[key] = append(s.byClaim[key], p)
			}
		}
	}
}

// isRequestPath reports whether p is where the loader reads a request
// from: requests/<team>/<name>.yaml, no part hidden.
func isRequestPath(p string) bool {
	rest, ok := strings.CutPrefix(p, platform.RequestsDir+"/")
	team, name, ok2 := strings.Cut(rest, "/")
	return ok && ok2 && team != "" && !strings.HasPrefix(team, ".") && !strings.HasPrefix(name, ".") &&
		!strings.Contains(name, "/") && path.Ext(name) == ".yaml"
}

// teamOf returns the team directory of a request path.
func teamOf(p string) string {
	team, _, _ := strings.Cut(p[len(platform.RequestsDir)+1:], "/")
	return team
}

// resolves reports whether a use of r finds a file that validation will
// know by that kind and name, valid or not: one of a known apiVersion.
func (s *side) resolves(r Ref) bool {
	for _, p := range s.byRef[r] {
		if knownVersion(s.facts[p].APIVersion) {
			return true
		}
	}
	return false
}

func knownVersion(v string) bool { return knownVersions()[v] }

// knownVersions are the apiVersions of the kinds.
var knownVersions = sync.OnceValue(func() map[string]bool {
	out := map[string]bool{}
	for _, k := range platform.Kinds() {
		out[k.APIVersion] = true
	}
	return out
})

// hidden returns whether a file of s need not be read: a request file
// known to parse, and not needed.
func (s *side) hidden(need map[string]bool) func(string) bool {
	return func(p string) bool {
		f, ok := s.facts[p]
		return ok && f.Parsed && !need[p]
	}
}

// needed returns the request files to read on both sides: those the
// change may put in scope (see mayChange), and everything they depend on.
// A file read on one side is read on the other too, so that ChangeScope
// and the comparison of problems see it on both.
func needed(head, base *side) map[string]bool {
	roots := map[string]bool{}
	teams := changedTeams(head.blobs, base.blobs)
	for _, pair := range [][2]*side{{head, base}, {base, head}} {
		s, other := pair[0], pair[1]
		for _, p := range s.paths {
			_, known := s.facts[p]
			if other.blobs[p] != s.blobs[p] || teams[teamOf(p)] || !known {
				roots[p] = true
			}
		}
	}
	if teamsAddedOrRemoved(head.blobs, base.blobs) {
		// The "did you mean" of an unknown team lists the teams.
		for _, s := range []*side{head, base} {
			for p, f := range s.facts {
				if f.Parsed && !s.hasTeam(f.Team) {
					roots[p] = true
				}
			}
		}
	}
	mayChange(head, base, roots)
	need := map[string]bool{}
	for _, s := range []*side{head, base} {
		s.close(roots, need)
	}
	return need
}

// mayChange adds to roots, the files a change touches, every file whose
// scope or problems the change may reach through another, until there is
// no more: the users of a touched request, which are judged with it and
// told when it is invalid; the requests that land in a touched Namespace,
// whose environments decide whether they may; the requests of the same
// kind and name, or whose rendered names may equal a touched one's (see
// partners), which are told of the clash; and the requests of a touched
// one's kind whose uses do not resolve, whose "did you mean" lists that
// kind's names. Each is itself touched then: a request told of a clash is
// invalid, and so its users are told.
func mayChange(head, base *side, roots map[string]bool) {
	sides := []*side{head, base}
	touched, namespaces, kinds := map[Ref]bool{}, map[string]bool{}, map[string]bool{}
	fresh := slices.Collect(maps.Keys(roots))
	// reached is how many touched requests the last pass over all files
	// looked for; namespaces and kinds grow with them.
	reached := -1
	for len(fresh) > 0 {
		// What the new roots are and claim, and who shares a name with them.
		var next []string
		add := func(ps []string) {
			for _, p := range ps {
				if !roots[p] {
					roots[p] = true
					next = append(next, p)
				}
			}
		}
		for _, p := range fresh {
			for _, s := range sides {
				f, ok := s.facts[p]
				if !ok || !f.Parsed {
					continue
				}
				touched[Ref{f.Kind, f.Name}], kinds[f.Kind] = true, true
				if f.Kind == "Namespace" {
					namespaces[f.Name] = true
				}
				add(s.byRef[Ref{f.Kind, f.Name}])
				for _, other := range sides {
					add(other.partners(f))
				}
			}
		}
		// Who uses them, lands in them, or is told their names: only
		// when there is more to reach than in the round before.
		if len(touched) == reached {
			fresh = next
			continue
		}
		reached = len(touched)
		for _, s := range sides {
			for p, f := range s.facts {
				if !roots[p] && s.reaches(f, touched, namespaces, kinds) {
					add([]string{p})
				}
			}
		}
		fresh = next
	}
}

// reaches reports whether a request with facts f uses a touched request,
// lands in a touched Namespace, or has a use of a touched kind that finds
// no request (its "did you mean" lists that kind's names).
func (s *side) reaches(f *Facts, touched map[Ref]bool, namespaces, kinds map[string]bool) bool {
	for _, u := range f.Uses {
		if touched[u] || (kinds[u.Kind] && !s.resolves(u)) {
			return true
		}
	}
	for _, ns := range f.Namespaces {
		if namespaces[ns] {
			return true
		}
	}
	return false
}

// hasTeam reports whether s has the file of team.
func (s *side) hasTeam(team string) bool {
	_, ok := s.blobs[platform.TeamsDir+"/"+team+".yaml"]
	return ok
}

// teamsAddedOrRemoved reports whether a team file is on one side only.
func teamsAddedOrRemoved(a, b Blobs) bool {
	for _, pair := range [][2]Blobs{{a, b}, {b, a}} {
		for p := range pair[0] {
			if _, ok := pair[1][p]; !ok && strings.HasPrefix(p, platform.TeamsDir+"/") {
				return true
			}
		}
	}
	return false
}

// close adds to need the files of roots and all they depend on in s.
func (s *side) close(roots, need map[string]bool) {
	var work []string
	for p := range roots {
		work = append(work, p)
	}
	seen := map[string]bool{}
	for len(work) > 0 {
		p := work[len(work)-1]
		work = work[:len(work)-1]
		if seen[p] {
			continue
		}
		seen[p], need[p] = true, true
		f, ok := s.facts[p]
		if !ok {
			continue
		}
		work = append(work, s.byRef[Ref{f.Kind, f.Name}]...)
		work = append(work, s.partners(f)...)
		for _, ns := range f.Namespaces {
			work = append(work, s.byRef[Ref{"Namespace", ns}]...)
		}
		for _, u := range f.Uses {
			work = append(work, s.byRef[u]...)
			if !s.resolves(u) {
				work = append(work, s.byKind[u.Kind]...)
			}
		}
	}
}

// changedTeams returns the names of the team files that differ between
// the two sides.
func changedTeams(a, b Blobs) map[string]bool {
	teams := map[string]bool{}
	for _, pair := range [][2]Blobs{{a, b}, {b, a}} {
		for p, id := range pair[0] {
			if strings.HasPrefix(p, platform.TeamsDir+"/") && pair[1][p] != id {
				teams[strings.TrimSuffix(path.Base(p), ".yaml")] = true
			}
		}
	}
	return teams
}

// withDocs returns prev with docs in place of its requests of the same
// files, for platform.LoadReusing to take what is already parsed.
func withDocs(prev *platform.Source, docs []*platform.Document) *platform.Source {
	out := &platform.Source{}
	byFile := map[string]bool{}
	for _, d := range docs {
		byFile[d.File] = true
	}
	if prev != nil {
		out.Platform, out.Teams = prev.Platform, prev.Teams
		for _, d := range prev.Requests {
			if !byFile[d.File] {
				out.Requests = append(out.Requests, d)
			}
		}
	}
	out.Requests = append(out.Requests, docs...)
	return out
}

// hiding is a file system without the regular files hide names: the
// loader lists and reads everything else as it would. Files in data are
// read from there.
type hiding struct {
	fsys fs.FS
	hide func(string) bool
	data map[string][]byte
	// skipped counts the entries ReadDir left out.
	skipped atomic.Int64
}

var (
	_ fs.ReadDirFS  = (*hiding)(nil)
	_ fs.StatFS     = (*hiding)(nil)
	_ fs.ReadLinkFS = (*hiding)(nil)
)

func (h *hiding) Open(name string) (fs.File, error) {
	if h.hide(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if data, ok := h.data[name]; ok {
		return &memFile{Reader: bytes.NewReader(data), fsys: h.fsys, name: name}, nil
	}
	return h.fsys.Open(name)
}

func (h *hiding) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(h.fsys, name)
	out := entries[:0]
	for _, e := range entries {
		if e.Type().IsRegular() && h.hide(name+"/"+e.Name()) {
			h.skipped.Add(1)
			continue
		}
		out = append(out, e)
	}
	return out, err
}

func (h *hiding) Stat(name string) (fs.FileInfo, error) {
	if h.hide(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return fs.Stat(h.fsys, name)
}

func (h *hiding) Lstat(name string) (fs.FileInfo, error) {
	if h.hide(name) {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: fs.ErrNotExist}
	}
	return fs.Lstat(h.fsys, name)
}

func (h *hiding) ReadLink(name string) (string, error) { return fs.ReadLink(h.fsys, name) }

// memFile is a file whose content is known.
type memFile struct {
	*bytes.Reader
	fsys fs.FS
	name string
}

func (f *memFile) Stat() (fs.FileInfo, error) { return fs.Stat(f.fsys, f.name) }
func (f *memFile) Close() error               { return nil }
