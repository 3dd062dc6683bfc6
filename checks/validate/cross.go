package validate

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers"
)

// crossCheck checks requests against platform.yaml, the teams and each
// other. platform is nil when platform.yaml is invalid; the checks that
// need it are then skipped.
type crossCheck struct {
	platform *platform.Platform
	teams    map[string]*platform.Team
	requests []*checkedRequest
	// byKind maps a kind and a name to the first request (by file) of
	// that kind and name.
	byKind map[string]map[string]*checkedRequest
	// failed maps "kind/name" to the first request of that kind and name
	// as written that did not match its schema.
	failed map[string]*checkedRequest
	// cloud maps a space and a name to the first request that claims it
	// (see cloudNames).
	cloud map[string]claimant
}

func (x *crossCheck) run() {
	x.byKind = map[string]map[string]*checkedRequest{}
	x.failed = map[string]*checkedRequest{}
	x.cloud = map[string]claimant{}
	for _, c := range x.requests {
		if c.req == nil {
			if key := c.kind + "/" + c.name; x.failed[key] == nil {
				x.failed[key] = c
			}
			continue
		}
		x.teamExists(c)
		x.environments(c)
		x.regions(c)
		x.unique(c)
		x.cloudNames(c)
	}
	for _, c := range x.requests {
		if c.req != nil {
			x.namespaces(c)
		}
	}
	// A Service's uses are checked last: only then is it known whether
	// the requests it uses are valid. Used kinds use nothing themselves.
	for _, c := range x.requests {
		if c.req != nil {
			x.uses(c)
		}
	}
}

func (x *crossCheck) teamExists(c *checkedRequest) {
	if x.teams[c.req.Team] != nil {
		return
	}
	c.diags.Add(keyPos(c.doc, "metadata", "team"), "team-exists",
		"metadata.team: team %q has no valid %s/%s.yaml%s", c.req.Team, platform.TeamsDir, c.req.Team,
		suggestion(c.req.Team, slices.Collect(maps.Keys(x.teams))))
}

func (x *crossCheck) environments(c *checkedRequest) {
	if x.platform != nil {
		var names []string
		for _, e := range x.platform.Environments {
			names = append(names, e.Name)
		}
		for i, env := range c.req.Environments {
			if _, ok := x.platform.Environment(env); !ok {
				c.diags.Add(keyPos(c.doc, "spec", "environments", itoa(i)), "environment-exists",
					"spec.environments[%d]: no environment %q in %s%s; environments are %s",
					i, env, platform.PlatformFile, suggestion(env, names), strings.Join(names, ", "))
			}
		}
	}
	for _, env := range c.req.Overrides() {
		if !slices.Contains(c.req.Environments, env) {
			c.diags.Add(keyPos(c.doc, "spec", "overrides", env), "override-environment",
				"spec.overrides: %q is not one of the request's environments (%s)%s",
				env, strings.Join(c.req.Environments, ", "), suggestion(env, c.req.Environments))
		}
	}
}

// regions checks the region of each environment of a cloud request, when
// the request sets one: an environment's own region is checked with
// platform.yaml.
func (x *crossCheck) regions(c *checkedRequest) {
	if x.platform == nil || len(x.platform.AllowedRegions) == 0 {
		return
	}
	for _, env := range c.req.Environments {
		r, ok := c.specs[env].(interface{ CloudRegion() string })
		if !ok || r.CloudRegion() == "" || slices.Contains(x.platform.AllowedRegions, r.CloudRegion()) {
			continue
		}
		c.diags.Add(c.req.FieldPos(env, "spec.region"), "allowed-region",
			"spec.region: region %q is not in the allowedRegions of %s (%s)%s", r.CloudRegion(), platform.PlatformFile,
			strings.Join(x.platform.AllowedRegions, ", "), suggestion(r.CloudRegion(), x.platform.AllowedRegions))
	}
}

// unique reports a request whose kind and name another request already
// has, at both.
func (x *crossCheck) unique(c *checkedRequest) {
	names := x.byKind[c.req.Kind]
	if names == nil {
		names = map[string]*checkedRequest{}
		x.byKind[c.req.Kind] = names
	}
	first, ok := names[c.req.Name]
	if !ok {
		names[c.req.Name] = c
		return
	}
	c.diags.Add(keyPos(c.doc, "metadata", "name"), "unique-name",
		"metadata.name: %s %q is already defined in %s", c.req.Kind, c.req.Name, keyPos(first.doc, "metadata", "name"))
	first.diags.Add(keyPos(first.doc, "metadata", "name"), "unique-name",
		"metadata.name: %s %q is defined again in %s", c.req.Kind, c.req.Name, keyPos(c.doc, "metadata", "name"))
}

// claimant is a request that claims a name in one environment.
type claimant struct {
	c     *checkedRequest
	claim renderers.Claim
	env   string
}

// cloudNames reports a request whose rendered resources would take a name
// another request's take, in any environment, at both: two requests of
// one kind whose teams and names join alike (team a-b's request c and
// team a's request b-c), or of different kinds that name into one space
// (an IAMRole and a Service's role, a Secret and the Kubernetes Secret of
// a Service's database connections, two DNS records of one name). The
// names are the renderers' (renderers.Claims).
func (x *crossCheck) cloudNames(c *checkedRequest) {
	if x.platform == nil {
		return
	}
	for _, env := range c.req.Environments {
		for _, claim := range renderers.Claims(x.platform.Name, c.req.Team, c.req, env, c.specs[env]) {
			key := claim.Space + "\x00" + claim.Name
			first, ok := x.cloud[key]
			if !ok {
				x.cloud[key] = claimant{c, claim, env}
				continue
			}
			if first.c == c || (first.c.req.Kind == c.req.Kind && first.c.req.Name == c.req.Name) {
				continue // its own, or the same name: unique-name's to report
			}
			x.reportClaim(claimant{c, claim, env}, first)
			x.reportClaim(first, claimant{c, claim, env})
			return
		}
	}
}

func (x *crossCheck) reportClaim(a, b claimant) {
	other := "does"
	if a.claim.What != b.claim.What || a.env != b.env {
		other = "names its " + b.claim.What
		if a.env != b.env {
			other += " in environment " + b.env
		}
	}
	a.c.diags.Add(keyPos(a.c.doc, "metadata", "name"), "cloud-name",
		"metadata.name: %s %q of team %q would name its %s %q in environment %s, as %s %q of team %q %s (%s); rename one of them",
		a.c.req.Kind, a.c.req.Name, a.c.req.Team, a.claim.What, a.claim.Name, a.env,
		b.c.req.Kind, b.c.req.Name, b.c.req.Team, other, keyPos(b.c.doc, "metadata", "name"))
}

// namespaces checks the namespace a request lands in: when a Namespace
// request manages it, that request must be in each of the request's
// environments. A namespace no request manages is managed elsewhere.
func (x *crossCheck) namespaces(c *checkedRequest) {
	for _, env := range c.req.Environments {
		field, ns := namespaceOf(c.specs[env])
		if ns == "" {
			continue
		}
		owner := x.byKind["Namespace"][ns]
		if owner == nil || slices.Contains(owner.req.Environments, env) {
			continue
		}
		c.diags.Add(c.req.FieldPos(env, field), "reference",
			"%s: namespace %q is managed by %s, which is not in environment %s", field, ns, owner.doc.File, env)
	}
}

func namespaceOf(s platform.Spec) (field, ns string) {
	switch s := s.(type) {
	case *platform.ServiceSpec:
		return "spec.namespace", s.Namespace
	case *platform.BatchJobSpec:
		return "spec.namespace", s.Namespace
	case *platform.CertificateSpec:
		return "spec.namespace", s.Namespace
	case *platform.SecretSpec:
		return "spec.namespace", s.Namespace
	case *platform.IAMRoleSpec:
		return "spec.serviceAccount.namespace", s.ServiceAccount.Namespace
	}
	return "", ""
}

// uses checks that every request a Service uses exists, is valid, is in
// each of the Service's environments and, for a Secret, lands in the
// Service's namespace.
func (x *crossCheck) uses(c *checkedRequest) {
	for _, env := range c.req.Environments {
		svc, ok := c.specs[env].(*platform.ServiceSpec)
		if !ok {
			continue
		}
		for i, u := range svc.Uses {
			field := fmt.Sprintf("spec.uses[%d]", i)
			at := c.req.FieldPos(env, fmt.Sprintf("spec.uses.%d", i))
			used := x.byKind[u.Kind][u.Name]
			switch {
			case used == nil && x.invalid(u.Kind, u.Name) != nil:
				c.diags.Add(at, "reference", "%s: %s %q is invalid (see %s); fix it first", field, u.Kind, u.Name,
					x.invalid(u.Kind, u.Name).doc.File)
			case used == nil:
				c.diags.Add(at, "reference", "%s: no %s named %q in the repo%s", field, u.Kind, u.Name,
					suggestion(u.Name, slices.Collect(maps.Keys(x.byKind[u.Kind]))))
			case used.failed():
				c.diags.Add(at, "reference", "%s: %s %q is invalid (see %s); fix it first", field, u.Kind, u.Name, used.doc.File)
			case !slices.Contains(used.req.Environments, env):
				c.diags.Add(at, "reference", "%s: %s %q is not in environment %s (it is in %s)", field, u.Kind, u.Name,
					env, strings.Join(used.req.Environments, ", "))
			default:
				if s, ok := used.specs[env].(*platform.SecretSpec); ok && s.Namespace != svc.Namespace {
					c.diags.Add(at, "reference", "%s: Secret %q lands in namespace %s, not in the service's namespace %s (environment %s)",
						field, u.Name, s.Namespace, svc.Namespace, env)
				}
			}
		}
	}
}

// invalid returns a request of kind and name that did not match its
// schema, or nil.
func (x *crossCheck) invalid(kind, name string) *checkedRequest {
	return x.failed[kind+"/"+name]
}
