package validate

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dipdev/dip/internal/parallel"
	"github.com/dipdev/dip/platform"
)

// labelPattern is a DNS-1123 label, the form of every name in a repo.
const labelPattern = `^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`

var labelRE = regexp.MustCompile(labelPattern)

// checkedRequest is one request file and what its own checks found.
type checkedRequest struct {
	doc *platform.Document
	// req is the decoded request, or nil when the file did not match its
	// schema.
	req *platform.Request
	// specs holds the request's typed spec for each of its environments.
	specs map[string]platform.Spec
	diags platform.Diagnostics
	// kind and name are as written, when they are strings, even in a file
	// that does not match its schema.
	kind, name string
}

// checkRequests checks each request on its own, in parallel, keeping the
// order of docs. The results are the caller's to add to: the checks across
// files append to their diagnostics.
func (m *Memo) checkRequests(set *schemaSet, docs []*platform.Document) []*checkedRequest {
	out := make([]*checkedRequest, len(docs))
	if m == nil {
		parallel.For(len(docs), func(i int) { out[i] = checkRequest(set, docs[i]) })
		return out
	}
	var todo []int
	m.mu.Lock()
	for i, d := range docs {
		if c, ok := m.checked[d]; ok {
			out[i] = c.copy()
		} else {
			todo = append(todo, i)
		}
	}
	m.mu.Unlock()
	parallel.For(len(todo), func(j int) { out[todo[j]] = checkRequest(set, docs[todo[j]]) })
	m.mu.Lock()
	for _, i := range todo {
		m.checked[docs[i]] = out[i].copy()
	}
	m.mu.Unlock()
	return out
}

// copy returns c with diagnostics of its own; the rest is read-only.
func (c *checkedRequest) copy() *checkedRequest {
	d := *c
	d.diags = slices.Clone(c.diags)
	return &d
}

func checkRequest(set *schemaSet, doc *platform.Document) *checkedRequest {
	c := &checkedRequest{doc: doc}
	team, base, pathOK := c.checkPath()
	name, ok := c.identify()
	if !ok {
		return c
	}
	c.deprecation()
	if !set.check(doc, name, &c.diags) {
		return c
	}
	req, err := platform.DecodeRequest(doc)
	if err != nil {
		addError(&c.diags, doc, err)
		return c
	}
	c.specs = make(map[string]platform.Spec, len(req.Environments))
	for _, env := range req.Environments {
		s, err := req.Spec(env)
		if err != nil {
			addError(&c.diags, doc, err)
			continue
		}
		c.specs[env] = s
		c.checkSpec(req, env, s)
	}
	c.checkExceptions(req)
	if pathOK && team != req.Team {
		c.diags.Add(keyPos(doc, "metadata", "team"), "team-directory",
			"metadata.team: the request is in the directory of team %q but names team %q; requests of team %s live in %s/%s/",
			team, req.Team, req.Team, platform.RequestsDir, req.Team)
	}
	if pathOK && base != req.Name {
		c.diags.Add(keyPos(doc, "metadata", "name"), "file-name",
			"metadata.name: a request named %q must be in the file %s.yaml, not %s.yaml", req.Name, req.Name, base)
	}
	c.req = req
	return c
}

// checkPath checks that the file is requests/<team>/<name>.yaml with
// names that can be a team's and a request's, and returns them.
func (c *checkedRequest) checkPath() (team, base string, ok bool) {
	parts := strings.Split(c.doc.File, "/")
	if len(parts) != 3 || parts[0] != platform.RequestsDir || path.Ext(parts[2]) != ".yaml" {
		c.diags.Add(platform.PosOf(c.doc.File, c.doc.Root), "path", "requests are %s/<team>/<name>.yaml, not %s",
			platform.RequestsDir, c.doc.File)
		return "", "", false
	}
	team, base, ok = parts[1], strings.TrimSuffix(parts[2], ".yaml"), true
	if !labelRE.MatchString(team) {
		c.diags.Add(keyPos(c.doc, "metadata", "team"), "path", "directory %q of %s cannot be a team name: must be %s%s",
			team, c.doc.File, patternHint(labelPattern), oddRunes(team, labelPattern))
		ok = false
	}
	if !labelRE.MatchString(base) {
		c.diags.Add(keyPos(c.doc, "metadata", "name"), "path", "file name %q of %s cannot be a request name: must be %s%s",
			base, c.doc.File, patternHint(labelPattern), oddRunes(base, labelPattern))
		ok = false
	}
	return team, base, ok
}

// identify finds the schema of the request from its apiVersion and kind.
func (c *checkedRequest) identify() (string, bool) {
	root := platform.PosOf(c.doc.File, c.doc.Root)
	top, ok := c.doc.Value.(map[string]any)
	if !ok {
		c.diags.Add(root, "schema", "a request must be a mapping with apiVersion, kind, metadata and spec (got %s)", describe(c.doc.Value))
		return "", false
	}
	var versions, names []string
	for _, k := range platform.Kinds() {
		if !slices.Contains(versions, k.APIVersion) {
			versions = append(versions, k.APIVersion)
		}
	}
	av, present := top["apiVersion"]
	version, _ := av.(string)
	switch {
	case !present:
		c.diags.Add(root, "kind", "missing required field \"apiVersion\" (%s)", strings.Join(versions, ", "))
		return "", false
	case !slices.Contains(versions, version):
		c.diags.Add(keyPos(c.doc, "apiVersion"), "kind", "apiVersion: unknown version %s%s; known versions: %s",
			describe(av), suggestion(av, versions), strings.Join(versions, ", "))
		return "", false
	}
	for _, k := range platform.Kinds() {
		if k.APIVersion == version {
			names = append(names, k.Name)
		}
	}
	kv, present := top["kind"]
	kind, _ := kv.(string)
	c.kind = kind
	if meta, ok := top["metadata"].(map[string]any); ok {
		c.name, _ = meta["name"].(string)
	}
	switch {
	case !present:
		c.diags.Add(root, "kind", "missing required field \"kind\"; %s kinds are %s", version, strings.Join(names, ", "))
		return "", false
	case kind == "Team" || kind == "Platform":
		where := platform.PlatformFile
		if kind == "Team" {
			where = platform.TeamsDir + "/<team>.yaml"
		}
		c.diags.Add(keyPos(c.doc, "kind"), "kind", "kind: a %s is not a request; it belongs in %s", kind, where)
		return "", false
	case !slices.Contains(names, kind) && len(platform.Versions(kind)) > 0:
		var in []string
		for _, k := range platform.Versions(kind) {
			in = append(in, k.APIVersion)
		}
		c.diags.Add(keyPos(c.doc, "apiVersion"), "kind", "apiVersion: %s has no %s blueprint; %s is in %s",
			version, kind, kind, strings.Join(in, ", "))
		return "", false
	case !slices.Contains(names, kind):
		c.diags.Add(keyPos(c.doc, "kind"), "kind", "kind: unknown kind %s%s; %s kinds are %s",
			describe(kv), suggestion(kv, names), version, strings.Join(names, ", "))
		return "", false
	}
	return schemaName(version, kind), true
}

// deprecation warns, on its apiVersion line, of a request whose blueprint
// version a newer one replaces, and names the codemod that migrates it.
func (c *checkedRequest) deprecation() {
	top := c.doc.Value.(map[string]any) // identify made sure
	version, _ := top["apiVersion"].(string)
	k, ok := platform.LookupKind(version, c.kind)
	if !ok {
		return
	}
	if d, ok := k.Deprecation(); ok {
		c.diags.Warn(keyPos(c.doc, "apiVersion"), "deprecated",
			"apiVersion: %s %s is deprecated and %s replaces it; run dip migrate to move this request (codemod %s)",
			c.kind, version, d.Successor, d.Codemod)
	}
}

// failed reports whether the request's own checks found an error.
func (c *checkedRequest) failed() bool { return c.diags.HasErrors() }

// checkSpec checks what a schema cannot: rules on the spec of one
// environment, after its overrides are merged.
func (c *checkedRequest) checkSpec(req *platform.Request, env string, s platform.Spec) {
	switch s := s.(type) {
	case *platform.ServiceSpec:
		c.checkService(req, env, s)
	case *platform.PostgresDatabaseSpec:
		if st := s.Storage; st.MaxSizeGB != 0 && st.MaxSizeGB < st.SizeGB {
			c.diags.Add(req.FieldPos(env, "spec.storage.maxSizeGB"), "schema",
				"spec.storage.maxSizeGB: must be at least sizeGB (%d) in environment %s (got %d)", st.SizeGB, env, st.MaxSizeGB)
		}
	}
}

func (c *checkedRequest) checkService(req *platform.Request, env string, svc *platform.ServiceSpec) {
	if svc.Public && svc.Host == "" {
		c.diags.Add(req.FieldPos(env, "spec.public"), "schema",
			"spec.host: required when public is true (public in environment %s has no host)", env)
	}
	if sc := svc.Scaling; sc.Max != 0 && sc.Max < sc.Min {
		if req.APIVersion == platform.V1 {
			c.diags.Add(req.FieldPos(env, "spec.maxReplicas"), "schema",
				"spec.maxReplicas: must be at least replicas (%d) in environment %s (got %d)", sc.Min, env, sc.Max)
		} else {
			c.diags.Add(req.FieldPos(env, "spec.scaling.max"), "schema",
				"spec.scaling.max: must be at least min (%d) in environment %s (got %d)", sc.Min, env, sc.Max)
		}
	}
	names, numbers := map[string]int{}, map[int]int{}
	for i, p := range svc.Ports {
		at := func(field string) platform.Pos { return req.FieldPos(env, fmt.Sprintf("spec.ports.%d.%s", i, field)) }
		if first, ok := names[p.Name]; ok {
			c.diags.Add(at("name"), "schema", "spec.ports[%d].name: %q is already the name of spec.ports[%d]; name each port once",
				i, p.Name, first)
		} else {
			names[p.Name] = i
		}
		if first, ok := numbers[p.Port]; ok {
			c.diags.Add(at("port"), "schema", "spec.ports[%d].port: %d is already spec.ports[%d]; list each port once",
				i, p.Port, first)
		} else {
			numbers[p.Port] = i
		}
		if i > 0 && p.Port == servicePort {
			c.diags.Add(at("port"), "schema", "spec.ports[%d].port: the in-cluster Service reaches the first port, %s, on port %d; "+
				"list port %d first, or use another number", i, svc.Ports[0].Name, servicePort, servicePort)
		}
	}
}

// servicePort is the port of a Service's in-cluster Service that reaches
// its first port; every other port keeps its own number there.
const servicePort = 80

// checkExceptions checks that each exception's date exists and that no
// policy is waived twice.
func (c *checkedRequest) checkExceptions(req *platform.Request) {
	seen := map[string]int{}
	for i, ex := range req.Exceptions {
		at := func(field string) platform.Pos {
			return keyPos(c.doc, "metadata", "exceptions", strconv.Itoa(i), field)
		}
		field := fmt.Sprintf("metadata.exceptions[%d]", i)
		if _, err := time.Parse(time.DateOnly, ex.Expires); err != nil {
			c.diags.Add(at("expires"), "exception", "%s.expires: %q is not a date of the calendar", field, ex.Expires)
		}
		if first, ok := seen[ex.Policy]; ok {
			c.diags.Add(at("policy"), "exception", "%s.policy: policy %q is already waived by metadata.exceptions[%d]",
				field, ex.Policy, first)
			continue
		}
		seen[ex.Policy] = i
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
