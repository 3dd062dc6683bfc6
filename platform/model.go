package platform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// Repo is a valid platform repo: the settings, the teams and every request
// that passed validation.
type Repo struct {
	Platform *Platform
	Teams    map[string]*Team
	// Requests is sorted by file.
	Requests []*Request

	// index maps kind and name to the first request of Requests with
	// them, for Find; built for the first len(indexed) requests.
	indexMu sync.Mutex
	index   map[kindName]*Request
	indexed int
}

type kindName struct{ kind, name string }

// Find returns the request of kind with name, or nil. It keeps an index,
// updated when Requests has grown; renderers look up every request a
// Service uses, so a scan would make rendering quadratic.
func (r *Repo) Find(kind, name string) *Request {
	r.indexMu.Lock()
	defer r.indexMu.Unlock()
	if r.index == nil || r.indexed > len(r.Requests) {
		r.index, r.indexed = map[kindName]*Request{}, 0
	}
	for _, q := range r.Requests[r.indexed:] {
		k := kindName{q.Kind, q.Name}
		if _, ok := r.index[k]; !ok {
			r.index[k] = q
		}
	}
	r.indexed = len(r.Requests)
	return r.index[kindName{kind, name}]
}

// Platform is platform.yaml.
type Platform struct {
	File           string
	Doc            *Document
	Name           string
	Cloud          string
	Environments   []Environment
	AllowedRegions []string
	Output         Output
	Scanners       []Scanner
	Migrations     Migrations
}

// Migrations are the settings of the bot that opens pull requests moving
// requests off deprecated blueprint versions.
type Migrations struct {
	// GroupBy is GroupByTeam (a pull request per codemod and team) or
	// GroupByRequest (one per request).
	GroupBy string `json:"groupBy"`
	// MaxOpenPullRequests bounds the bot's open pull requests; zero
	// opens none (those open are still kept up to date).
	MaxOpenPullRequests int `json:"maxOpenPullRequests"`
	// MaxNewPullRequestsPerHour bounds the pull requests the bot opens
	// in any hour.
	MaxNewPullRequestsPerHour int `json:"maxNewPullRequestsPerHour"`
}

// Ways to group migrations into pull requests.
const (
	GroupByTeam    = "team"
	GroupByRequest = "request"
)

// DefaultMigrations are the bot's settings when platform.yaml sets none.
var DefaultMigrations = Migrations{GroupBy: GroupByTeam, MaxOpenPullRequests: 10, MaxNewPullRequestsPerHour: 2}

// Environment is one environment of the platform.
type Environment struct {
	Name   string `json:"name"`
	Region string `json:"region"`
}

// Output says where merged renders are committed.
type Output struct {
	Branch string `json:"branch"`
	Path   string `json:"path"`
}

// Scanner is an external scanner run over rendered output. It must write
// SARIF to standard output.
type Scanner struct {
	Name    string   `json:"name"`
	Command string   `json:"command"`
	Args    []string `json:"args,omitempty"`
	// TimeoutSeconds bounds one run; zero means the default.
	TimeoutSeconds int `json:"timeoutSeconds,omitempty"`
}

// Environment returns the environment called name.
func (p *Platform) Environment(name string) (Environment, bool) {
	for _, e := range p.Environments {
		if e.Name == name {
			return e, true
		}
	}
	return Environment{}, false
}

// Team is teams/<name>.yaml.
type Team struct {
	File       string
	Doc        *Document
	Name       string
	Owners     []string
	CostCenter string
	Slack      string
}

// Request is one platform request, requests/<team>/<name>.yaml.
type Request struct {
	File         string
	Doc          *Document
	APIVersion   string
	Kind         string
	Name         string
	Team         string
	Environments []string
	Exceptions   []Exception
	// spec is the request's spec without environments and overrides;
	// overrides holds the partial spec of each environment.
	spec      map[string]any
	overrides map[string]map[string]any
	// decoded keeps what Spec returned for each environment: validation
	// and every renderer that looks at the request ask for it again.
	decoded *specCache
}

// specCache holds the typed specs of a request by environment.
type specCache struct {
	mu    sync.Mutex
	specs map[string]decodedSpec
}

type decodedSpec struct {
	spec Spec
	err  error
}

// Exception is a time-limited waiver of one policy for one request.
type Exception struct {
	Policy string `json:"policy"`
	Reason string `json:"reason"`
	// Expires is a date, YYYY-MM-DD; the exception holds through that day.
	Expires string `json:"expires"`
	Pos     Pos    `json:"-"`
}

// header is what every document of the repo starts with.
type header struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

type rawPlatform struct {
	header
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Cloud          string        `json:"cloud"`
		Environments   []Environment `json:"environments"`
		AllowedRegions []string      `json:"allowedRegions"`
		Output         Output        `json:"output"`
		Scanners       []Scanner     `json:"scanners"`
		Migrations     struct {
			GroupBy                   string `json:"groupBy"`
			MaxOpenPullRequests       *int   `json:"maxOpenPullRequests"`
			MaxNewPullRequestsPerHour *int   `json:"maxNewPullRequestsPerHour"`
		} `json:"migrations"`
	} `json:"spec"`
}

// DecodePlatform converts a platform.yaml document, already checked against
// its schema, into a Platform with defaults filled in.
func DecodePlatform(doc *Document) (*Platform, error) {
	var raw rawPlatform
	if err := decodeStrict(doc.Value, &raw); err != nil {
		return nil, Diagnostic{Pos: PosOf(doc.File, doc.Root), Rule: "schema", Message: err.Error()}
	}
	p := &Platform{
		File: doc.File, Doc: doc,
		Name:           raw.Metadata.Name,
		Cloud:          raw.Spec.Cloud,
		Environments:   raw.Spec.Environments,
		AllowedRegions: raw.Spec.AllowedRegions,
		Output:         raw.Spec.Output,
		Scanners:       raw.Spec.Scanners,
	}
	if p.Output.Branch == "" {
		p.Output.Branch = "rendered"
	}
	if p.Output.Path == "" {
		p.Output.Path = "rendered"
	}
	m := raw.Spec.Migrations
	p.Migrations = DefaultMigrations
	if m.GroupBy != "" {
		p.Migrations.GroupBy = m.GroupBy
	}
	if m.MaxOpenPullRequests != nil {
		p.Migrations.MaxOpenPullRequests = *m.MaxOpenPullRequests
	}
	if m.MaxNewPullRequestsPerHour != nil {
		p.Migrations.MaxNewPullRequestsPerHour = *m.MaxNewPullRequestsPerHour
	}
	return p, nil
}

type rawTeam struct {
	header
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Owners     []string `json:"owners"`
		CostCenter string   `json:"costCenter"`
		Slack      string   `json:"slack"`
	} `json:"spec"`
}

// DecodeTeam converts a team document, already checked against its schema.
func DecodeTeam(doc *Document) (*Team, error) {
	var raw rawTeam
	if err := decodeStrict(doc.Value, &raw); err != nil {
		return nil, Diagnostic{Pos: PosOf(doc.File, doc.Root), Rule: "schema", Message: err.Error()}
	}
	return &Team{File: doc.File, Doc: doc, Name: raw.Metadata.Name, Owners: raw.Spec.Owners,
		CostCenter: raw.Spec.CostCenter, Slack: raw.Spec.Slack}, nil
}

// DecodeRequest converts a request document, already checked against the
// schema of its kind, into a Request.
func DecodeRequest(doc *Document) (*Request, error) {
	fail := func(format string, args ...any) error {
		return Diagnostic{Pos: PosOf(doc.File, doc.Root), Rule: "schema", Message: fmt.Sprintf(format, args...)}
	}
	top, ok := doc.Value.(map[string]any)
	if !ok {
		return nil, fail("a request must be a mapping")
	}
	meta, _ := top["metadata"].(map[string]any)
	spec, _ := top["spec"].(map[string]any)
	r := &Request{File: doc.File, Doc: doc, spec: map[string]any{}, overrides: map[string]map[string]any{},
		decoded: &specCache{specs: map[string]decodedSpec{}}}
	r.APIVersion, _ = top["apiVersion"].(string)
	r.Kind, _ = top["kind"].(string)
	r.Name, _ = meta["name"].(string)
	r.Team, _ = meta["team"].(string)
	if ex, ok := meta["exceptions"]; ok {
		if err := decodeStrict(ex, &r.Exceptions); err != nil {
			return nil, fail("metadata.exceptions: %v", err)
		}
		for i := range r.Exceptions {
			r.Exceptions[i].Pos = PosOf(doc.File, Lookup(doc.Root, "metadata", "exceptions", fmt.Sprint(i)))
		}
	}
	for k, v := range spec {
		switch k {
		case "environments":
			if err := decodeStrict(v, &r.Environments); err != nil {
				return nil, fail("spec.environments: %v", err)
			}
		case "overrides":
			if err := decodeStrict(v, &r.overrides); err != nil {
				return nil, fail("spec.overrides: %v", err)
			}
		default:
			r.spec[k] = v
		}
	}
	return r, nil
}

// Spec returns the request's typed spec for environment env: the defaults,
// then the request's spec, then the environment's overrides. The spec is
// decoded once per environment and shared: callers must not change it.
func (r *Request) Spec(env string) (Spec, error) {
	if r.decoded == nil {
		return r.decodeSpec(env)
	}
	r.decoded.mu.Lock()
	d, ok := r.decoded.specs[env]
	r.decoded.mu.Unlock()
	if !ok {
		d.spec, d.err = r.decodeSpec(env)
		r.decoded.mu.Lock()
		r.decoded.specs[env] = d
		r.decoded.mu.Unlock()
	}
	return d.spec, d.err
}

func (r *Request) decodeSpec(env string) (Spec, error) {
	k, ok := LookupKind(r.APIVersion, r.Kind)
	if !ok {
		return nil, fmt.Errorf("unknown kind %s %s", r.APIVersion, r.Kind)
	}
	s, err := k.decode(mergeSpec(r.spec, r.overrides[env]))
	if err != nil {
		return nil, Diagnostic{Pos: r.FieldPos(env, "spec"), Rule: "schema", Message: fmt.Sprintf("spec for %s: %v", env, err)}
	}
	return s, nil
}

// Cloud reports whether the request's blueprint is a cloud kind (see
// Kind.Cloud). Renderers ask this rather than read the apiVersion, which
// a migration changes and which they are not to depend on.
func (r *Request) Cloud() bool {
	k, ok := LookupKind(r.APIVersion, r.Kind)
	return ok && k.Cloud
}

// SpecValue returns the request's spec for env as plain values, with the
// overrides merged but no defaults, as a policy on requests sees it.
func (r *Request) SpecValue(env string) map[string]any {
	return mergeSpec(r.spec, r.overrides[env])
}

// Overrides returns the environments the request overrides, sorted.
func (r *Request) Overrides() []string { return slices.Sorted(maps.Keys(r.overrides)) }

// FieldPos returns where field (dotted, such as "spec.encrypted" or
// "spec.resources.cpu") is written for environment env: in the
// environment's overrides when set there, else in the spec. A field left
// to its default is reported at its nearest written parent, usually the
// request's "spec:" line. A field named as another version of the
// request's blueprint names it is looked up under its name in the
// request's version (see FieldIn): spec.replicas is spec.scaling.min of a
// dip/v2 Service.
func (r *Request) FieldPos(env, field string) Pos {
	path := strings.Split(FieldIn(r.APIVersion, r.Kind, field), ".")
	if env != "" && len(path) > 1 && path[0] == "spec" {
		over := append([]string{"spec", "overrides", env}, path[1:]...)
		if k := LookupKey(r.Doc.Root, over...); k != nil {
			return PosOf(r.File, k)
		}
	}
	n, _ := Deepest(r.Doc.Root, path...)
	return PosOf(r.File, n)
}

// mergeSpec merges over onto base, recursing into mappings; lists and
// scalars in over replace those in base.
func mergeSpec(base, over map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(over))
	maps.Copy(out, base)
	for k, v := range over {
		if bm, ok := out[k].(map[string]any); ok {
			if om, ok := v.(map[string]any); ok {
				out[k] = mergeSpec(bm, om)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// decodeStrict converts plain values into out through JSON, rejecting
// fields out does not have.
func decodeStrict(v any, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(out)
}
