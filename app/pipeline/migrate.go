package pipeline

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/dipdev/dip/checks/validate"
	"github.com/dipdev/dip/codemods"
	"github.com/dipdev/dip/internal/parallel"
	"github.com/dipdev/dip/platform"
)

// MigrateOptions picks the requests to migrate; empty fields pick all.
type MigrateOptions struct {
	// Kind and Team pick the requests of one kind (as written, such as
	// PostgresDatabase) and of one team (metadata.team).
	Kind, Team string
	// Codemods are the migrations to apply; nil is codemods.Default().
	Codemods *codemods.Registry
	// RenderBoth renders both sides of every comparison and compares the
	// bytes, instead of proving equivalence from the renderers' inputs
	// where it can: the same answer, slower.
	RenderBoth bool
}

// Migration is what migrating a platform repo would change.
type Migration struct {
	// Files are the request files the migration changes, sorted by Path.
	Files []MigratedFile
	// Diagnostics are the requests that cannot be migrated safely, and
	// the problems of the repo that keep requests from being migrated,
	// each at its file and line; those requests are left as they are.
	Diagnostics platform.Diagnostics
}

// MigratedFile is one request file a migration changes.
type MigratedFile struct {
	// Path is the file's slash-separated path in the repo; Team, Kind and
	// Name are the request's.
	Path, Team, Kind, Name string
	// From and To are the request's apiVersions before and after.
	From, To string
	// Codemods names the codemods applied, in order.
	Codemods []string
	// Before and After are the file's bytes.
	Before, After []byte
	// Equivalent is true when rendering the repo with Before and with
	// After gives byte-identical files, in every environment, for the
	// request and for every request that uses it.
	Equivalent bool
	// RenderDiff is the unified diff of the rendered files that differ
	// when not Equivalent (paths below the output root, a/ and b/).
	RenderDiff string
}

// Migrate works out what migrating the requests of the platform repo in
// fsys to the newest version of their blueprints would change, and proves
// each migration: for every migrated request and every request that uses
// one, the rendering before and after is the same when what the renderers
// read is the same on both sides (inputs.Comparison); otherwise both sides
// are rendered in memory and the files compared. Nothing is written. A request whose migration would leave it
// invalid is not migrated and is reported; so is a request that is
// already invalid, since nothing about it could be proved. The error is
// for a repo that cannot be read at all.
func Migrate(fsys fs.FS, opt MigrateOptions) (*Migration, error) {
	return migrate(fsys, opt, opt.RenderBoth)
}

// migrate is Migrate; with renderAll, every request compared is rendered
// before and after, as no proof from the renderers' inputs were at hand.
func migrate(fsys fs.FS, opt MigrateOptions, renderAll bool) (*Migration, error) {
	reg := opt.Codemods
	if reg == nil {
		reg = codemods.Default()
	}
	src, err := platform.Load(fsys)
	if err != nil {
		return nil, fmt.Errorf("load platform repo: %w", err)
	}
	memo := validate.NewMemo()
	beforeRepo, beforeDiags := memo.Repo(src)
	mig := &Migration{}
	if beforeRepo == nil {
		mig.Diagnostics = beforeDiags.Errors()
		return mig, nil
	}
	m := &migrator{reg: reg, opt: opt, src: src, mig: mig, memo: memo, before: beforeRepo,
		errs: errorsByFile(beforeDiags), renderAll: renderAll}
	m.unparsed()
	m.migrateAll()
	m.validateAfter()
	m.compare()
	mig.Diagnostics.Sort()
	slices.SortFunc(mig.Files, func(a, b MigratedFile) int { return strings.Compare(a.Path, b.Path) })
	return mig, nil
}

// migrator holds one migration as it is worked out.
type migrator struct {
	reg    *codemods.Registry
	opt    MigrateOptions
	src    *platform.Source
	mig    *Migration
	memo   *validate.Memo
	before *platform.Repo
	after  *platform.Repo
	// errs holds the errors of each file of the repo before.
	errs map[string]platform.Diagnostics
	// migrated holds the migrated document of each file that changes.
	migrated map[string]*codemods.Result
	// renderAll renders both sides of every comparison (see compare).
	renderAll bool
}

func errorsByFile(ds platform.Diagnostics) map[string]platform.Diagnostics {
	out := map[string]platform.Diagnostics{}
	for _, d := range ds.Errors() {
		out[d.File] = append(out[d.File], d)
	}
	return out
}

// picked reports whether the options pick a request of kind and team.
func (m *migrator) picked(kind, team string) bool {
	return (m.opt.Kind == "" || m.opt.Kind == kind) && (m.opt.Team == "" || m.opt.Team == team)
}

// unparsed reports the request files that could not be read as YAML: what
// they ask for is unknown, so they may need migrating.
func (m *migrator) unparsed() {
	for _, d := range m.src.Diagnostics {
		if isRequestFile(d.File) && d.Rule == "yaml" && m.picked(m.opt.Kind, requestTeamDir(d.File)) {
			d.Message = "not migrated: " + d.Message
			m.mig.Diagnostics = append(m.mig.Diagnostics, d)
		}
	}
}

// migrateAll applies the pending codemods to every picked request.
func (m *migrator) migrateAll() {
	docs := m.src.Requests
	results := make([]*codemods.Result, len(docs))
	problems := make([]error, len(docs))
	parallel.For(len(docs), func(i int) {
		d := docs[i]
		version, kind, team := header(d)
		if !m.picked(kind, team) || len(m.reg.Pending(version, kind)) == 0 {
			return
		}
		if errs := m.errs[d.File]; len(errs) > 0 {
			problems[i] = platform.Diagnostic{Pos: fieldPos(d, "apiVersion"), Rule: "migrate",
				Message: fmt.Sprintf("not migrated: the request has %s to fix first (%s); dip validate lists them",
					plural(len(errs), "problem"), errs[0].Error())}
			return
		}
		results[i], problems[i] = m.reg.Migrate(d)
	})
	m.migrated = map[string]*codemods.Result{}
	for i, res := range results {
		var d platform.Diagnostic
		switch {
		case errors.As(problems[i], &d):
			m.mig.Diagnostics = append(m.mig.Diagnostics, d)
		case problems[i] != nil:
			m.mig.Diagnostics.Add(platform.PosOf(docs[i].File, docs[i].Root), "migrate", "not migrated: %v", problems[i])
		case res != nil && res.Changed():
			m.migrated[docs[i].File] = res
		}
	}
}

// header returns a request document's apiVersion, kind and team as
// written.
func header(d *platform.Document) (version, kind, team string) {
	top, _ := d.Value.(map[string]any)
	meta, _ := top["metadata"].(map[string]any)
	version, _ = top["apiVersion"].(string)
	kind, _ = top["kind"].(string)
	team, _ = meta["team"].(string)
	return version, kind, team
}

func fieldPos(d *platform.Document, path ...string) platform.Pos {
	if n := platform.LookupKey(d.Root, path...); n != nil {
		return platform.PosOf(d.File, n)
	}
	return platform.PosOf(d.File, d.Root)
}

// afterSource is the repo's source with the migrated documents in place
// of the originals.
func (m *migrator) afterSource() *platform.Source {
	after := *m.src
	after.Requests = slices.Clone(m.src.Requests)
	for i, d := range after.Requests {
		if res, ok := m.migrated[d.File]; ok {
			after.Requests[i] = res.Doc
		}
	}
	return &after
}

// validateAfter validates the migrated repo. A migrated request that has
// an error afterwards is not migrated; when the migration leaves another
// request with an error it did not have, nothing is migrated.
func (m *migrator) validateAfter() {
	for {
		repo, diags := m.memo.Repo(m.afterSource())
		var failed, others []platform.Diagnostic
		for _, d := range diags.Errors() {
			_, migrated := m.migrated[d.File]
			switch {
			case migrated:
				failed = append(failed, d)
			case !slices.Contains(m.errs[d.File], d):
				others = append(others, d)
			}
		}
		if len(failed) == 0 && len(others) == 0 {
			m.after = repo
			return
		}
		// An error a migrated request has only because another one is now
		// invalid (a use of it) goes when that one is reverted: revert the
		// requests with errors of their own first.
		if slices.ContainsFunc(failed, func(d platform.Diagnostic) bool { return d.Rule != "reference" }) {
			failed = slices.DeleteFunc(failed, func(d platform.Diagnostic) bool { return d.Rule == "reference" })
		}
		reverted := map[string]bool{}
		for _, d := range failed {
			if !reverted[d.File] {
				reverted[d.File] = true
				res := m.migrated[d.File]
				m.mig.Diagnostics.Add(fieldPos(res.Doc, "apiVersion"), "migrate",
					"not migrated: %s would leave the request invalid: %s", strings.Join(res.Applied, ", "), d.Error())
				delete(m.migrated, d.File)
			}
		}
		if len(failed) == 0 {
			for _, d := range others {
				d.Rule, d.Message = "migrate", "nothing was migrated: the migration would make this request invalid: "+d.Message
				m.mig.Diagnostics = append(m.mig.Diagnostics, d)
			}
			clear(m.migrated)
		}
	}
}
