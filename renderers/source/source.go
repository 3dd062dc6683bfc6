// Package source describes what a renderer renders: one valid request in one
// environment, with everything around it that the rendering depends on.
package source

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/dipdev/dip/platform"
)

// Label and annotation keys set on every rendered Kubernetes object.
const (
	LabelManagedBy  = "app.kubernetes.io/managed-by"
	LabelTeam       = "dip.dev/team"
	LabelCostCenter = "dip.dev/cost-center"
	LabelEnv        = "dip.dev/env"
	LabelRequest    = "dip.dev/request"
	LabelKind       = "dip.dev/kind"
	// AnnotationSource holds the path of the source request.
	AnnotationSource = "dip.dev/source"
	ManagedBy        = "dip"
)

// Request is one request rendered for one environment.
type Request struct {
	Repo    *platform.Repo
	Team    *platform.Team
	Request *platform.Request
	Env     platform.Environment
	// Region is where cloud resources go: the request's region, else the
	// environment's.
	Region string
	// Spec is the request's typed spec for Env, defaults and overrides applied.
	Spec platform.Spec
	// Lookups, when set, records every request and team the render looks
	// up through Find and LookupTeam. Renderers reach other requests and
	// teams only through those two, never through Repo, so that what a
	// render read of the rest of the repo is known (see
	// inputs.Answers).
	Lookups *Lookups
}

// Lookups is what one render looked up besides its own request, in the
// order it asked.
type Lookups struct {
	// Requests are the requests looked up by kind and name.
	Requests []Key
	// Teams are the teams looked up by name.
	Teams []string
}

// Key names a request by kind and name, as Find takes them.
type Key struct{ Kind, Name string }

// Find returns the request of kind with name in the repo, or nil.
func (r *Request) Find(kind, name string) *platform.Request {
	if r.Lookups != nil {
		r.Lookups.Requests = append(r.Lookups.Requests, Key{kind, name})
	}
	return r.Repo.Find(kind, name)
}

// LookupTeam returns the team called name, or nil.
func (r *Request) LookupTeam(name string) *platform.Team {
	if r.Lookups != nil {
		r.Lookups.Teams = append(r.Lookups.Teams, name)
	}
	return r.Repo.Teams[name]
}

// SpecOf returns the typed spec for r's environment of a request Find
// returned. Renderers read the spec of another request only through it,
// so only in the environment they render.
func (r *Request) SpecOf(req *platform.Request) (platform.Spec, error) {
	return req.Spec(r.Env.Name)
}

// Tags returns the tags every rendered cloud resource carries.
func (r *Request) Tags() map[string]string {
	return map[string]string{
		"team":        r.Team.Name,
		"cost-center": r.Team.CostCenter,
		"env":         r.Env.Name,
		"managed-by":  ManagedBy,
		"dip-request": r.Request.File,
	}
}

// Labels returns the labels every rendered Kubernetes object carries.
// Label values cannot hold a path, so the request is named by kind and
// name here and by path in Annotations.
func (r *Request) Labels() map[string]string {
	return map[string]string{
		LabelManagedBy:  ManagedBy,
		LabelTeam:       r.Team.Name,
		LabelCostCenter: labelValue(r.Team.CostCenter),
		LabelEnv:        r.Env.Name,
		LabelRequest:    r.Request.Name,
		LabelKind:       r.Request.Kind,
	}
}

// Annotations returns the annotations every rendered Kubernetes object
// carries.
func (r *Request) Annotations() map[string]string {
	return map[string]string{AnnotationSource: r.Request.File}
}

// PhysicalName is the cloud name of the request's resources:
// <team>-<name>-<env>, shortened with a hash suffix to at most max
// characters so that it stays unique and stable.
func (r *Request) PhysicalName(max int) string {
	return PhysicalName(r.Team.Name, r.Request.Name, r.Env.Name, max)
}

// PhysicalName is the cloud name of request name of team in env; see
// Request.PhysicalName. Renderers that refer to another request use it.
func PhysicalName(team, name, env string, max int) string {
	full := team + "-" + name + "-" + env
	if len(full) <= max {
		return full
	}
	sum := sha256.Sum256([]byte(full))
	suffix := "-" + hex.EncodeToString(sum[:])[:8]
	return strings.TrimRight(full[:max-len(suffix)], "-") + suffix
}

// labelValue makes v a valid Kubernetes label value: at most 63 characters
// of [A-Za-z0-9._-], starting and ending with an alphanumeric.
func labelValue(v string) string {
	b := []byte(v)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	s := string(b)
	if len(s) > 63 {
		s = s[:63]
	}
	return strings.Trim(s, "._-")
}

// SecretName is the AWS Secrets Manager name of the Secret request name of
// team in env: <team>/<name>/<env>. The Terraform renderer creates the
// secret under this name and the Kubernetes renderer's ExternalSecret reads
// it.
func SecretName(team, name, env string) string {
	return team + "/" + name + "/" + env
}

// DatabaseSecretName is the AWS Secrets Manager name of the connection
// secret of PostgresDatabase name of team in env:
// <team>/<name>/<env>/connection. It holds where the database is, as a
// JSON object with the keys engine, host, port and dbname, and no
// credentials. The Terraform renderer creates it; Services that use the
// database read it through an ExternalSecret.
func DatabaseSecretName(team, name, env string) string {
	return SecretName(team, name, env) + "/connection"
}
