// Package validate checks a platform repo's files against the schema of
// their kind and against each other, and turns the valid ones into the
// typed model that renderers take.
//
// Every problem is a platform.Diagnostic whose Rule says what was checked:
//
//	schema                the file does not match its JSON Schema, or its
//	                      spec does not decode for one of its environments
//	kind                  unknown apiVersion or kind
//	path                  a directory or file name that cannot be a name
//	file-name             teams/<name>.yaml and requests/<team>/<name>.yaml
//	                      must match metadata.name
//	team-directory        requests/<team>/ must match metadata.team
//	team-exists           the request's team has no valid teams/<team>.yaml
//	unique-name           two requests of one kind, two teams or two
//	                      environments share a name
//	cloud-name            two requests would give their rendered resources
//	                      one name: in the cloud, or in a namespace of a
//	                      cluster (see renderers.Claims)
//	environment-exists    an environment platform.yaml does not define
//	override-environment  an override of an environment the request lacks
//	allowed-region        a region outside platform.yaml's allowedRegions
//	reference             a Service's uses, or a namespace a Namespace
//	                      request manages, does not resolve
//	exception             an exception with an impossible date, or a policy
//	                      waived twice
//
// Namespaces: a request's namespace (Service, BatchJob, Certificate, Secret,
// IAMRole's service account) need not be a Namespace request of the repo,
// since namespaces such as ingress-nginx or kube-system are managed
// elsewhere. When a Namespace request of that name does exist, it manages
// the namespace, and it must cover every environment the request is in.
package validate

import (
	"errors"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/dipdev/dip/platform"
)

// Repo validates src. It returns the valid part of the repo (teams and
// requests with problems are left out) and every problem found, sorted,
// including those src found while loading. The repo is nil when
// platform.yaml is missing or invalid.
func Repo(src *platform.Source) (*platform.Repo, platform.Diagnostics) {
	var m *Memo
	return m.Repo(src)
}

// Memo remembers what the checks of each request file on its own found,
// by document, so that validating several versions of a repo that share
// most of their parsed documents (the two sides of a change, a repo before
// and after a migration) checks each document once; the checks across
// files run every time. A nil Memo remembers nothing. It is safe for
// concurrent use.
type Memo struct {
	mu      sync.Mutex
	checked map[*platform.Document]*checkedRequest
}

// NewMemo returns an empty Memo.
func NewMemo() *Memo { return &Memo{checked: map[*platform.Document]*checkedRequest{}} }

// Repo is validate.Repo, taking what m remembers of src's request
// documents and remembering the others.
func (m *Memo) Repo(src *platform.Source) (*platform.Repo, platform.Diagnostics) {
	set := compiledSchemas()
	ds := slices.Clone(src.Diagnostics)
	var plat *platform.Platform
	if src.Platform != nil {
		plat = checkPlatform(set, src.Platform, &ds)
	}
	teams := checkTeams(set, src.Teams, &ds)
	checked := m.checkRequests(set, src.Requests)
	x := crossCheck{platform: plat, teams: teams, requests: checked}
	x.run()
	var reqs []*platform.Request
	for _, c := range checked {
		ds = append(ds, c.diags...)
		if c.req != nil && !c.failed() {
			reqs = append(reqs, c.req)
		}
	}
	ds.Sort()
	if plat == nil {
		return nil, ds
	}
	slices.SortFunc(reqs, func(a, b *platform.Request) int { return strings.Compare(a.File, b.File) })
	return &platform.Repo{Platform: plat, Teams: teams, Requests: reqs}, ds
}

// checkPlatform validates platform.yaml and returns it, or nil when it has
// any problem.
func checkPlatform(set *schemaSet, doc *platform.Document, ds *platform.Diagnostics) *platform.Platform {
	if !set.check(doc, schemaName(platform.APIVersion, "Platform"), ds) {
		return nil
	}
	p, err := platform.DecodePlatform(doc)
	if err != nil {
		addError(ds, doc, err)
		return nil
	}
	before := len(*ds)
	seen := map[string]int{}
	for i, e := range p.Environments {
		if first, ok := seen[e.Name]; ok {
			ds.Add(keyPos(doc, "spec", "environments", itoa(i), "name"), "unique-name",
				"spec.environments[%d].name: environment %q is already defined at spec.environments[%d]", i, e.Name, first)
			continue
		}
		seen[e.Name] = i
		if len(p.AllowedRegions) > 0 && !slices.Contains(p.AllowedRegions, e.Region) {
			ds.Add(keyPos(doc, "spec", "environments", itoa(i), "region"), "allowed-region",
				"spec.environments[%d].region: region %q of environment %s is not in allowedRegions (%s)",
				i, e.Region, e.Name, strings.Join(p.AllowedRegions, ", "))
		}
	}
	if len(*ds) > before {
		return nil
	}
	return p
}

// checkTeams validates the team files and returns the valid teams by name.
func checkTeams(set *schemaSet, docs []*platform.Document, ds *platform.Diagnostics) map[string]*platform.Team {
	teams := map[string]*platform.Team{}
	for _, doc := range docs {
		before := len(*ds)
		base := strings.TrimSuffix(path.Base(doc.File), ".yaml")
		validBase := labelRE.MatchString(base)
		if !validBase {
			ds.Add(keyPos(doc, "metadata", "name"), "path", "file name %q cannot be a team name: must be %s%s",
				base, patternHint(labelPattern), oddRunes(base, labelPattern))
		}
		if !set.check(doc, schemaName(platform.APIVersion, "Team"), ds) {
			continue
		}
		t, err := platform.DecodeTeam(doc)
		if err != nil {
			addError(ds, doc, err)
			continue
		}
		switch {
		case validBase && (path.Dir(doc.File) != platform.TeamsDir || base != t.Name):
			ds.Add(keyPos(doc, "metadata", "name"), "file-name",
				"metadata.name: team %q must be in %s/%s.yaml, not %s", t.Name, platform.TeamsDir, t.Name, doc.File)
		case teams[t.Name] != nil:
			ds.Add(keyPos(doc, "metadata", "name"), "unique-name",
				"metadata.name: team %q is already defined in %s", t.Name, teams[t.Name].File)
		}
		if len(*ds) == before {
			teams[t.Name] = t
		}
	}
	return teams
}

// keyPos is where the field at path is written in doc, or its nearest
// written parent.
func keyPos(doc *platform.Document, path ...string) platform.Pos {
	if n := platform.LookupKey(doc.Root, path...); n != nil {
		return platform.PosOf(doc.File, n)
	}
	n, _ := platform.Deepest(doc.Root, path...)
	return platform.PosOf(doc.File, n)
}

// addError adds err, a Diagnostic from the platform package or any other
// error, as a diagnostic of doc.
func addError(ds *platform.Diagnostics, doc *platform.Document, err error) {
	var d platform.Diagnostic
	if errors.As(err, &d) {
		if d.File == "" {
			d.Pos = platform.PosOf(doc.File, doc.Root)
		}
		*ds = append(*ds, d)
		return
	}
	ds.Add(platform.PosOf(doc.File, doc.Root), "schema", "%v", err)
}
