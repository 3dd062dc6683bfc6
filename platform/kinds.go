package platform

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Versions of the built-in blueprints. platform.yaml and teams are
// APIVersion documents; every kind has a V1 blueprint, and the kinds whose
// shape changed have a V2 one too.
const (
	V1 = "dip/v1"
	V2 = "dip/v2"
	// APIVersion is the version of platform.yaml and of team files.
	APIVersion = V1
)

// Spec is the typed, defaulted spec of a request for one environment, in
// the shape the renderers take. Each built-in kind has one Spec type,
// whatever version of its blueprint a request is written in: an older
// version is upgraded to it in code (see Kind), so that renderers know a
// single model.
type Spec interface {
	// Kind names the blueprint the spec belongs to.
	Kind() string
}

// Kind describes one version of a blueprint: an apiVersion and kind that
// pick a schema, the fields a request of that version is written with, and
// how they become the Spec renderers take.
type Kind struct {
	APIVersion string
	Name       string
	// Cloud kinds render Terraform and take an optional region.
	Cloud bool
	// Renamed lists the fields this version renamed or moved, each by its
	// path in the version before it and in this one (spec.size became
	// spec.instanceClass). A field a policy names in one version is found
	// in a request of another through it (see FieldIn).
	Renamed []Rename
	// defaults returns the version's fields with every default filled in;
	// decode turns a merged spec into the Spec renderers take.
	defaults func() any
	decode   func(map[string]any) (Spec, error)
}

// Rename is a field a blueprint version renamed or moved: From is its
// dotted path in the version before, To in this one.
type Rename struct{ From, To string }

// NewKind returns the blueprint version apiVersion of kind name, whose spec
// is written with the fields of F: defaults returns an F with every
// default filled in, and upgrade turns a decoded F into the Spec renderers
// take. Built-in kinds are made with it; RegisterKind adds others.
func NewKind[F any](apiVersion, name string, cloud bool, defaults func() *F, upgrade func(*F) (Spec, error), renamed ...Rename) Kind {
	return Kind{
		APIVersion: apiVersion, Name: name, Cloud: cloud, Renamed: renamed,
		defaults: func() any { return defaults() },
		decode: func(merged map[string]any) (Spec, error) {
			f := defaults()
			if err := decodeStrict(merged, f); err != nil {
				return nil, err
			}
			return upgrade(f)
		},
	}
}

// same is the upgrade of a version whose fields are the Spec itself.
func same[F any, P interface {
	*F
	Spec
}](f *F) (Spec, error) {
	return P(f), nil
}

var builtin = []Kind{
	NewKind(V1, "BatchJob", false, func() *BatchJobSpec {
		return &BatchJobSpec{Retries: 3, DeadlineSeconds: 3600, Concurrency: "Forbid", Resources: DefaultResources()}
	}, same[BatchJobSpec]),
	NewKind(V1, "Bucket", true, func() *BucketSpec { return &BucketSpec{Versioning: true, Encrypted: true} }, same[BucketSpec]),
	NewKind(V1, "Certificate", false, func() *CertificateSpec { return &CertificateSpec{Issuer: DefaultIssuer} }, same[CertificateSpec]),
	NewKind(V1, "DNSRecord", true, func() *DNSRecordSpec { return &DNSRecordSpec{TTL: 300} }, same[DNSRecordSpec]),
	NewKind(V1, "IAMRole", true, func() *IAMRoleSpec { return &IAMRoleSpec{} }, same[IAMRoleSpec]),
	NewKind(V1, "Namespace", false, func() *NamespaceSpec { return &NamespaceSpec{} }, same[NamespaceSpec]),
	NewKind(V1, "PostgresDatabase", true, func() *postgresDatabaseV1 {
		return &postgresDatabaseV1{Version: "16", StorageGB: 20, BackupRetentionDays: 7, Encrypted: true}
	}, (*postgresDatabaseV1).upgrade),
	NewKind(V1, "Queue", true, func() *QueueSpec {
		return &QueueSpec{VisibilityTimeoutSeconds: 30, MessageRetentionSeconds: 345600, MaxReceiveCount: 5, Encrypted: true}
	}, same[QueueSpec]),
	NewKind(V1, "Secret", true, func() *SecretSpec { return &SecretSpec{} }, same[SecretSpec]),
	NewKind(V1, "Service", false, func() *serviceV1 {
		return &serviceV1{Port: DefaultPort.Port, Replicas: 2, Resources: DefaultResources(), Probes: defaultProbes(), TLS: true}
	}, (*serviceV1).upgrade),
	NewKind(V2, "PostgresDatabase", true, func() *PostgresDatabaseSpec {
		return &PostgresDatabaseSpec{Version: "16", Storage: Storage{SizeGB: 20}, BackupRetentionDays: 7, Encrypted: true}
	}, same[PostgresDatabaseSpec],
		Rename{"spec.size", "spec.instanceClass"},
		Rename{"spec.storageGB", "spec.storage.sizeGB"}),
	NewKind(V2, "Service", false, func() *ServiceSpec {
		// Every port a request lists must have its name and number (the
		// schema says so): encoding/json decodes a list into the
		// elements already there.
		return &ServiceSpec{Ports: []Port{DefaultPort}, Scaling: Scaling{Min: 2}, Resources: DefaultResources(),
			Probes: defaultProbes(), TLS: true}
	}, same[ServiceSpec],
		Rename{"spec.port", "spec.ports.0.port"},
		Rename{"spec.replicas", "spec.scaling.min"},
		Rename{"spec.maxReplicas", "spec.scaling.max"}),
}

// registry holds every blueprint version, sorted by apiVersion and name;
// RegisterKind replaces it with a longer copy.
var (
	registry   atomic.Pointer[[]Kind]
	registerMu sync.Mutex
)

func init() {
	ks := slices.Clone(builtin)
	sortKinds(ks)
	registry.Store(&ks)
}

func sortKinds(ks []Kind) {
	slices.SortFunc(ks, func(a, b Kind) int {
		return cmp.Or(cmp.Compare(a.APIVersion, b.APIVersion), cmp.Compare(a.Name, b.Name))
	})
}

// Kinds returns every blueprint version, sorted by apiVersion and name.
func Kinds() []Kind { return slices.Clone(*registry.Load()) }

// LookupKind returns the blueprint for apiVersion and kind.
func LookupKind(apiVersion, kind string) (Kind, bool) {
	for _, k := range *registry.Load() {
		if k.APIVersion == apiVersion && k.Name == kind {
			return k, true
		}
	}
	return Kind{}, false
}

// RegisterKind adds a blueprint version, such as a version a program
// ships before dip does, or one a test defines. Its schema must be added
// to the validator too. Register before reading any repo.
func RegisterKind(k Kind) error {
	if k.defaults == nil || k.decode == nil {
		return fmt.Errorf("register %s %s: make the kind with NewKind", k.APIVersion, k.Name)
	}
	if _, ok := VersionNumber(k.APIVersion); !ok {
		return fmt.Errorf("register %s %s: apiVersion must be dip/v<N>", k.APIVersion, k.Name)
	}
	registerMu.Lock()
	defer registerMu.Unlock()
	if _, ok := LookupKind(k.APIVersion, k.Name); ok {
		return fmt.Errorf("register %s %s: already registered", k.APIVersion, k.Name)
	}
	ks := append(Kinds(), k)
	sortKinds(ks)
	registry.Store(&ks)
	return nil
}

// VersionNumber returns N of an apiVersion dip/vN.
func VersionNumber(apiVersion string) (int, bool) {
	s, ok := strings.CutPrefix(apiVersion, "dip/v")
	if !ok || s == "" || s[0] == '0' {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

// Versions returns the versions of kind, oldest first.
func Versions(kind string) []Kind {
	var out []Kind
	for _, k := range *registry.Load() {
		if k.Name == kind {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b Kind) int {
		na, _ := VersionNumber(a.APIVersion)
		nb, _ := VersionNumber(b.APIVersion)
		return cmp.Compare(na, nb)
	})
	return out
}

// Defaults returns the fields of a request of version k holding only their
// defaults, as its schema documents them.
func (k Kind) Defaults() any { return k.defaults() }

// Deprecation says that a blueprint version has a newer one and how
// requests move to it.
type Deprecation struct {
	// Successor is the apiVersion that replaces the deprecated one.
	Successor string
	// Codemod names the codemod that migrates a request to Successor.
	Codemod string
}

// Deprecation returns how requests of k move on when a newer version of
// its kind exists: every version but the newest is deprecated.
func (k Kind) Deprecation() (Deprecation, bool) {
	vs := Versions(k.Name)
	for i, v := range vs[:max(len(vs)-1, 0)] {
		if v.APIVersion == k.APIVersion {
			next := vs[i+1].APIVersion
			return Deprecation{Successor: next, Codemod: CodemodName(k.Name, k.APIVersion, next)}, true
		}
	}
	return Deprecation{}, false
}

// CodemodName is the name of the codemod that migrates requests of kind
// from one apiVersion to another, such as postgresdatabase-v1-to-v2: it
// fits in a branch name and a commit trailer.
func CodemodName(kind, from, to string) string {
	short := func(v string) string { return strings.ReplaceAll(strings.TrimPrefix(v, "dip/"), "/", "-") }
	return strings.ToLower(kind) + "-" + short(from) + "-to-" + short(to)
}

// FieldIn returns field, a dotted path such as spec.replicas that names a
// field of kind in any of its versions, as that field is written in
// apiVersion (spec.scaling.min in dip/v2): a policy written for one
// version then reports on the right line of a request of another. Paths
// no version renamed are returned as they are.
func FieldIn(apiVersion, kind, field string) string {
	vs := Versions(kind)
	at := slices.IndexFunc(vs, func(k Kind) bool { return k.APIVersion == apiVersion })
	if at < 0 {
		return field
	}
	// Names of newer versions are taken back to apiVersion, then names of
	// older ones brought forward to it.
	for i := len(vs) - 1; i > at; i-- {
		field = renameBack(vs[i].Renamed, field)
	}
	for i := 1; i <= at; i++ {
		field = renameForward(vs[i].Renamed, field)
	}
	return field
}

func renameForward(rs []Rename, field string) string {
	for _, r := range rs {
		if rest, ok := underPath(field, r.From); ok {
			return r.To + rest
		}
	}
	return field
}

func renameBack(rs []Rename, field string) string {
	for _, r := range rs {
		if rest, ok := underPath(field, r.To); ok {
			return r.From + rest
		}
		// A parent of the new path, such as spec.storage for
		// spec.storage.sizeGB, is the old field itself.
		if strings.HasPrefix(r.To, field+".") {
			return r.From
		}
	}
	return field
}

// underPath reports whether field is path or below it, and returns the
// rest of field after path.
func underPath(field, path string) (string, bool) {
	if field == path {
		return "", true
	}
	if strings.HasPrefix(field, path+".") {
		return field[len(path):], true
	}
	return "", false
}
