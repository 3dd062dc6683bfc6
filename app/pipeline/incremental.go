package pipeline

import (
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

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
	fsys fs.FS
	// docs are the files parsed to learn their facts.
	docs []*platform.Document
	*sideIndex
}

// sideIndex is what a side knows of its files, from their blobs and
// facts alone, so that checks against one tree share it (see
// FactIndex.cachedSide). It is not changed once made.
type sideIndex struct {
	blobs Blobs
	// digest sums the blobs' entries, for finding an index to share.
	digest uint64
	// paths are the request files; facts holds theirs, by path.
	paths []string
	facts map[string]*Facts
	// byRef and byKind list the request files by kind and name as
	// written, and by kind.
	byRef  map[Ref][]string
	byKind map[string][]string
	// byClaim lists the request files by the keys of the names they may
	// claim when rendered (see claimKeys and partners).
	byClaim map[Ref][]string
}

func newSide(fsys fs.FS, blobs Blobs) *side {
	return &side{fsys: fsys, sideIndex: &sideIndex{blobs: blobs}}
}

// learn finds the facts of every request file, from x or, for the files x
// does not know, by reading them; it adds what it reads to x. A file that
// cannot be read is left without facts, and so is read again later. When
// x knew every file, the side's index is shared with later checks of the
// same tree, such as every pull request against one base.
func (s *side) learn(x *FactIndex) {
	s.digest = s.blobs.digest()
	if ix := x.cachedSide(s.blobs, s.digest); ix != nil {
		s.sideIndex = ix
		return
	}
	for p := range s.blobs {
		if isRequestPath(p) {
			s.paths = append(s.paths, p)
		}
	}
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
			for _, key := range f.claims {
				s.byClaim[key] = append(s.byClaim[key], p)
			}
		}
	}
	if len(missing) == 0 {
		x.keepSide(s.sideIndex)
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
