package audit

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/vcs/gitfs"
)

// Action is what a change did to a request.
type Action string

const (
	Created Action = "created"
	Changed Action = "changed"
	Deleted Action = "deleted"
	// Unknown is the action of a change whose source commit is not in the
	// repository.
	Unknown Action = "unknown"
)

// Record is one change of one request, as the output branch records it.
type Record struct {
	// Time is when dip committed the render.
	Time    time.Time `json:"time"`
	Request string    `json:"request"`
	Action  Action    `json:"action"`
	Kind    string    `json:"kind"`
	Team    string    `json:"team"`
	// Commit is the render commit on the output branch; Source the commit
	// of the default branch it rendered.
	Commit     string            `json:"render_commit"`
	Source     string            `json:"source_commit"`
	Pulls      []Pull            `json:"pull_requests"`
	Bundle     string            `json:"policy_bundle"`
	Renderer   string            `json:"renderer"`
	Exceptions []RecordException `json:"exceptions"`
}

// RecordException is an exception of the request in force at the change.
type RecordException struct {
	Policy  string `json:"policy"`
	Reason  string `json:"reason"`
	Expires string `json:"expires"`
}

// Problem is something about a commit that keeps its records from being
// whole or trusted.
type Problem struct {
	Commit  string `json:"commit"`
	Message string `json:"message"`
}

// Filter picks records. Zero fields pick everything.
type Filter struct {
	// Since and Until bound Time: Since <= Time < Until.
	Since, Until time.Time
	Team         string
	Request      string
	// Kind matches without regard to case.
	Kind string
	// Last keeps only the last Last commits of the history.
	Last int
}

func (f *Filter) keepsCommit(c *Commit) bool {
	return (f.Since.IsZero() || !c.When.Before(f.Since)) && (f.Until.IsZero() || c.When.Before(f.Until))
}

func (f *Filter) keepsPath(p string) bool {
	return (f.Request == "" || f.Request == p) && (f.Team == "" || f.Team == teamOf(p))
}

// Keeps reports whether f picks r, leaving Last aside.
func (f *Filter) Keeps(r *Record) bool {
	return (f.Since.IsZero() || !r.Time.Before(f.Since)) && (f.Until.IsZero() || r.Time.Before(f.Until)) &&
		f.keepsPath(r.Request) && (f.Kind == "" || strings.EqualFold(f.Kind, r.Kind))
}

// Log is the audit trail of one output branch.
type Log struct {
	Branch string `json:"branch"`
	Tip    string `json:"tip"`
	// Partial says why the history is not whole; empty when it is.
	Partial  string    `json:"partial,omitempty"`
	Records  []Record  `json:"records"`
	Problems []Problem `json:"problems"`
	// Unrendered counts the commits in range without dip's trailers.
	Unrendered int `json:"commits_without_trailers"`

	// Of a log of every record (the zero Filter), for Extend: its tip
	// and the source commit of its last render commit.
	whole bool
	tip   plumbing.Hash
	last  plumbing.Hash
}

// Records reads the records of h's render commits that f picks, in commit
// order and, within a commit, by request path. A commit whose trail cannot
// be read, and a source commit missing from r, is a Problem; the records
// of a commit with a missing source say Unknown for what they cannot know.
func Records(r *git.Repository, h *History, f Filter) *Log {
	log := &Log{Branch: h.Branch, Tip: h.Tip.String(), Partial: h.Partial, Records: []Record{}, Problems: []Problem{},
		whole: f == Filter{}, tip: h.Tip}
	trees := &sourceTrees{repo: r}
	start := h.window(f.Last)
	for i, c := range h.Commits {
		log.add(trees, c, i >= start && f.keepsCommit(c), f)
	}
	return log
}

// add folds commit c, the next of the history, into log: its records and
// problems when inRange, and its source commit as the one the next render
// was compared with.
func (log *Log) add(trees *sourceTrees, c *Commit, inRange bool, f Filter) {
	if c.Trail == nil {
		if inRange && c.Err != nil {
			log.Problems = append(log.Problems, Problem{c.Hash.String(), c.Err.Error()})
		} else if inRange {
			log.Unrendered++
		}
		return
	}
	source := plumbing.NewHash(c.Trail.Source)
	if len(c.Trail.Source) != 40 {
		source = plumbing.ZeroHash
	}
	if inRange {
		recs, probs := commitRecords(trees, c, source, log.last, f)
		log.Records = append(log.Records, recs...)
		log.Problems = append(log.Problems, probs...)
	}
	log.last = source
}

// maxExtend bounds the commits Extend reads; a longer way is read whole.
const maxExtend = 10_000

// Extend returns the log of tip when tip descends from the log's tip by
// commits of one parent each — as dip serve's fast-forward renders add
// them —, reading only those commits: the same log Records would give
// for the whole history at tip. ok is false, and nothing is read beyond
// what told it, when the log is not of every record (a Filter) or tip is
// not such a descendant (a merge, a force-push, a longer way): then the
// history must be read whole.
func (log *Log) Extend(r *git.Repository, tip plumbing.Hash) (out *Log, ok bool, err error) {
	if !log.whole {
		return nil, false, nil
	}
	if tip == log.tip {
		return log, true, nil
	}
	var added []*Commit // newest first
	for h := tip; h != log.tip; {
		if len(added) == maxExtend {
			return nil, false, nil
		}
		c, err := readCommit(r, h)
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("read %s: commit %s: %w", log.Branch, h, err)
		}
		if len(c.Parents) != 1 {
			return nil, false, nil
		}
		added = append(added, c)
		h = c.Parents[0]
	}
	out = &Log{
		Branch: log.Branch, Tip: tip.String(), Partial: log.Partial, Unrendered: log.Unrendered,
		// Clipped, so that appending copies: the log extended stays as
		// it was for whoever still reads it.
		Records: slices.Clip(log.Records), Problems: slices.Clip(log.Problems),
		whole: true, tip: tip, last: log.last,
	}
	trees := &sourceTrees{repo: r}
	for i := len(added) - 1; i >= 0; i-- {
		out.add(trees, added[i], true, Filter{})
	}
	return out, true, nil
}

// commitRecords are the records of one render commit.
func commitRecords(trees *sourceTrees, c *Commit, source, prev plumbing.Hash, f Filter) ([]Record, []Problem) {
	var recs []Record
	var probs []Problem
	problem := func(format string, args ...any) {
		probs = append(probs, Problem{c.Hash.String(), fmt.Sprintf(format, args...)})
	}
	src, err := trees.get(source)
	if err != nil {
		problem("source commit %s is not in this repository%s: the action, kind and exception reasons of its requests are unknown", c.Trail.Source, trees.shallowNote())
	}
	var from *gitfs.FS
	fromMissing := false
	if src != nil {
		if fh := trees.from(source, prev); !fh.IsZero() {
			if from, err = trees.get(fh); err != nil {
				fromMissing = true
				problem("commit %s before the source commit is not in this repository: created and changed cannot be told apart", fh)
			}
		}
	}
	paths := slices.Clone(c.Trail.Requests)
	slices.Sort(paths)
	paths = slices.Compact(paths)
	for _, p := range paths {
		if !f.keepsPath(p) {
			continue
		}
		rec := Record{
			Time: c.When, Request: p, Action: Unknown, Team: teamOf(p),
			Commit: c.Hash.String(), Source: c.Trail.Source, Pulls: c.Trail.Pulls,
			Bundle: c.Trail.Bundle, Renderer: c.Trail.Renderer, Exceptions: []RecordException{},
		}
		if rec.Pulls == nil {
			rec.Pulls = []Pull{}
		}
		var req *platform.Request
		if src != nil {
			var err error
			inSource, srcBlob := blobOf(src, p)
			inFrom, fromBlob := blobOf(from, p)
			switch {
			case !inSource:
				rec.Action = Deleted
				if inFrom {
					req, err = readRequest(trees.repo, p, fromBlob)
				}
			case inFrom:
				rec.Action = Changed
				req, err = readRequest(trees.repo, p, srcBlob)
			default:
				if !fromMissing {
					rec.Action = Created
				}
				req, err = readRequest(trees.repo, p, srcBlob)
			}
			if err != nil {
				problem("%s: %v", p, err)
			}
		}
		if req != nil {
			rec.Kind = req.Kind
		}
		for _, ex := range c.Trail.Exceptions {
			if ex.Request != p {
				continue
			}
			re := RecordException{Policy: ex.Policy, Expires: ex.Expires}
			if reason, ok := reasonOf(req, ex); ok {
				re.Reason = reason
			} else if req != nil {
				problem("%s: exception to %s until %s is not in the request at %s", p, ex.Policy, ex.Expires, short(source))
			}
			rec.Exceptions = append(rec.Exceptions, re)
		}
		if f.Kind != "" && !strings.EqualFold(f.Kind, rec.Kind) {
			continue
		}
		recs = append(recs, rec)
	}
	return recs, probs
}

func reasonOf(req *platform.Request, ex Exception) (string, bool) {
	if req == nil {
		return "", false
	}
	for _, e := range req.Exceptions {
		if e.Policy == ex.Policy && e.Expires == ex.Expires {
			return e.Reason, true
		}
	}
	return "", false
}

// teamOf is the team directory of a request path, requests/<team>/<name>.
func teamOf(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) >= 3 && parts[0] == platform.RequestsDir {
		return parts[1]
	}
	return ""
}

// blobOf returns the blob of the file at p in fsys; false when there is
// no such file (or no fsys).
func blobOf(fsys *gitfs.FS, p string) (bool, plumbing.Hash) {
	if fsys == nil {
		return false, plumbing.ZeroHash
	}
	h, ok, err := fsys.Blob(p)
	return err == nil && ok, h
}

// maxRequestFile bounds a request file read for its kind and exceptions,
// as validation does.
const maxRequestFile = 1 << 20

func readRequest(r *git.Repository, p string, blob plumbing.Hash) (*platform.Request, error) {
	b, err := r.BlobObject(blob)
	if err != nil {
		return nil, err
	}
	if b.Size > maxRequestFile {
		return nil, fmt.Errorf("%d bytes, more than a request may have", b.Size)
	}
	rd, err := b.Reader()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	data, err := io.ReadAll(io.LimitReader(rd, maxRequestFile))
	if err != nil {
		return nil, err
	}
	doc, err := platform.ParseYAML(p, data)
	if err != nil {
		return nil, err
	}
	return platform.DecodeRequest(doc)
}

// sourceTrees opens commits of the platform repo, keeping the last two.
type sourceTrees struct {
	repo    *git.Repository
	recent  [2]*gitfs.FS
	hashes  [2]plumbing.Hash
	shallow *bool
}

func (s *sourceTrees) get(h plumbing.Hash) (*gitfs.FS, error) {
	if h.IsZero() {
		return nil, plumbing.ErrObjectNotFound
	}
	for i, k := range s.hashes {
		if k == h {
			return s.recent[i], nil
		}
	}
	fsys, err := gitfs.New(s.repo, h)
	if err != nil {
		return nil, err
	}
	s.recent[1], s.hashes[1] = s.recent[0], s.hashes[0]
	s.recent[0], s.hashes[0] = fsys, h
	return fsys, nil
}

// maxFromWalk bounds the first parents searched for the last rendered
// source commit.
const maxFromWalk = 1000

// from is the commit a render of source was compared with, as dip serve
// chooses it: the source of the previous render when it is an ancestor,
// else source's first parent.
func (s *sourceTrees) from(source, prev plumbing.Hash) plumbing.Hash {
	c, err := s.repo.CommitObject(source)
	if err != nil || len(c.ParentHashes) == 0 {
		return plumbing.ZeroHash
	}
	first := c.ParentHashes[0]
	if prev.IsZero() || prev == source || prev == first {
		return first
	}
	for n := 0; n < maxFromWalk; n++ {
		if c.Hash == prev {
			return prev
		}
		if len(c.ParentHashes) == 0 {
			break
		}
		if c, err = s.repo.CommitObject(c.ParentHashes[0]); err != nil {
			break
		}
	}
	return first
}

// shallowNote explains a missing commit in a shallow clone.
func (s *sourceTrees) shallowNote() string {
	if s.shallow == nil {
		hs, err := s.repo.Storer.Shallow()
		v := err == nil && len(hs) > 0
		s.shallow = &v
	}
	if *s.shallow {
		return " (the clone is shallow; run git fetch --unshallow)"
	}
	return ""
}

// ParseTime reads a bound of a Filter: a date (YYYY-MM-DD, UTC) or an
// RFC 3339 time. As an upper bound a date means through the end of that
// day, and a time through that instant.
func ParseTime(s string, upper bool) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		if upper {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date like 2026-12-31 or a time like 2026-12-31T15:04:05Z", s)
	}
	if upper {
		t = t.Add(time.Nanosecond)
	}
	return t, nil
}
