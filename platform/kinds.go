package platform

import "slices"

// APIVersion is the version of the built-in blueprints.
const APIVersion = "dip/v1"

// Spec is the typed, defaulted spec of a request for one environment. Each
// built-in kind has its own Spec type below; renderers switch on it.
type Spec interface {
	// Kind names the blueprint the spec belongs to.
	Kind() string
}

// Kind describes a blueprint: an apiVersion and kind that pick a schema and
// a renderer.
type Kind struct {
	APIVersion string
	Name       string
	// Cloud kinds render Terraform and take an optional region.
	Cloud bool
	// newSpec returns a spec with every default filled in.
	newSpec func() Spec
}

var kinds = []Kind{
	{APIVersion, "BatchJob", false, func() Spec {
		return &BatchJobSpec{Retries: 3, DeadlineSeconds: 3600, Concurrency: "Forbid", Resources: defaultResources()}
	}},
	{APIVersion, "Bucket", true, func() Spec { return &BucketSpec{Versioning: true, Encrypted: true} }},
	{APIVersion, "Certificate", false, func() Spec { return &CertificateSpec{Issuer: "letsencrypt"} }},
	{APIVersion, "DNSRecord", true, func() Spec { return &DNSRecordSpec{TTL: 300} }},
	{APIVersion, "IAMRole", true, func() Spec { return &IAMRoleSpec{} }},
	{APIVersion, "Namespace", false, func() Spec { return &NamespaceSpec{} }},
	{APIVersion, "PostgresDatabase", true, func() Spec {
		return &PostgresDatabaseSpec{Version: "16", StorageGB: 20, BackupRetentionDays: 7, Encrypted: true}
	}},
	{APIVersion, "Queue", true, func() Spec {
		return &QueueSpec{VisibilityTimeoutSeconds: 30, MessageRetentionSeconds: 345600, MaxReceiveCount: 5, Encrypted: true}
	}},
	{APIVersion, "Secret", true, func() Spec { return &SecretSpec{} }},
	{APIVersion, "Service", false, func() Spec {
		return &ServiceSpec{Port: 8080, Replicas: 2, Resources: defaultResources(), Probes: Probes{Liveness: "/healthz", Readiness: "/readyz"}, TLS: true}
	}},
}

// Kinds returns every built-in blueprint, sorted by apiVersion and name.
func Kinds() []Kind { return slices.Clone(kinds) }

// LookupKind returns the blueprint for apiVersion and kind.
func LookupKind(apiVersion, kind string) (Kind, bool) {
	for _, k := range kinds {
		if k.APIVersion == apiVersion && k.Name == kind {
			return k, true
		}
	}
	return Kind{}, false
}

// Defaults returns a spec of kind k holding only its defaults.
func (k Kind) Defaults() Spec { return k.newSpec() }

func defaultResources() Resources { return Resources{CPU: "250m", Memory: "256Mi"} }

// CloudSpec holds the fields every cloud kind takes.
type CloudSpec struct {
	// Region overrides the environment's region.
	Region string `json:"region,omitempty"`
}

type PostgresDatabaseSpec struct {
	CloudSpec
	Size                string `json:"size"`
	Version             string `json:"version"`
	StorageGB           int    `json:"storageGB"`
	BackupRetentionDays int    `json:"backupRetentionDays"`
	HighAvailability    bool   `json:"highAvailability"`
	Encrypted           bool   `json:"encrypted"`
}

type QueueSpec struct {
	CloudSpec
	FIFO                     bool `json:"fifo"`
	VisibilityTimeoutSeconds int  `json:"visibilityTimeoutSeconds"`
	MessageRetentionSeconds  int  `json:"messageRetentionSeconds"`
	MaxReceiveCount          int  `json:"maxReceiveCount"`
	Encrypted                bool `json:"encrypted"`
}

type BucketSpec struct {
	CloudSpec
	Versioning    bool `json:"versioning"`
	Public        bool `json:"public"`
	Encrypted     bool `json:"encrypted"`
	LifecycleDays *int `json:"lifecycleDays,omitempty"`
}

type SecretSpec struct {
	CloudSpec
	Description  string `json:"description,omitempty"`
	Namespace    string `json:"namespace"`
	RotationDays *int   `json:"rotationDays,omitempty"`
}

type DNSRecordSpec struct {
	CloudSpec
	Zone   string   `json:"zone"`
	Record string   `json:"record"`
	Type   string   `json:"type"`
	TTL    int      `json:"ttl"`
	Values []string `json:"values"`
}

type CertificateSpec struct {
	Namespace string   `json:"namespace"`
	DNSNames  []string `json:"dnsNames"`
	Issuer    string   `json:"issuer"`
}

type NamespaceSpec struct {
	Quota            Quota    `json:"quota"`
	AllowIngressFrom []string `json:"allowIngressFrom,omitempty"`
}

type Quota struct {
	CPU    string `json:"cpu"`
	Memory string `json:"memory"`
	Pods   int    `json:"pods"`
}

type IAMRoleSpec struct {
	CloudSpec
	ServiceAccount  ServiceAccountRef `json:"serviceAccount"`
	ManagedPolicies []string          `json:"managedPolicies,omitempty"`
	Statements      []Statement       `json:"statements,omitempty"`
}

type ServiceAccountRef struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

type Statement struct {
	Actions   []string `json:"actions"`
	Resources []string `json:"resources"`
}

type Resources struct {
	CPU    string `json:"cpu"`
	Memory string `json:"memory"`
}

type Probes struct {
	Liveness  string `json:"liveness"`
	Readiness string `json:"readiness"`
}

// Use names another request a Service is granted access to.
type Use struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

type ServiceSpec struct {
	Namespace string `json:"namespace"`
	Image     string `json:"image"`
	Port      int    `json:"port"`
	Replicas  int    `json:"replicas"`
	// MaxReplicas bounds the autoscaler; zero means twice Replicas, at most 100.
	MaxReplicas int               `json:"maxReplicas,omitempty"`
	Resources   Resources         `json:"resources"`
	Probes      Probes            `json:"probes"`
	Env         map[string]string `json:"env,omitempty"`
	Uses        []Use             `json:"uses,omitempty"`
	Public      bool              `json:"public"`
	Host        string            `json:"host,omitempty"`
	// TLS terminates HTTPS on the public host; only meaningful when Public.
	TLS bool `json:"tls"`
}

type BatchJobSpec struct {
	Namespace       string    `json:"namespace"`
	Image           string    `json:"image"`
	Schedule        string    `json:"schedule"`
	Command         []string  `json:"command,omitempty"`
	Retries         int       `json:"retries"`
	DeadlineSeconds int       `json:"deadlineSeconds"`
	Concurrency     string    `json:"concurrency"`
	Resources       Resources `json:"resources"`
}

func (*PostgresDatabaseSpec) Kind() string { return "PostgresDatabase" }
func (*QueueSpec) Kind() string            { return "Queue" }
func (*BucketSpec) Kind() string           { return "Bucket" }
func (*SecretSpec) Kind() string           { return "Secret" }
func (*DNSRecordSpec) Kind() string        { return "DNSRecord" }
func (*CertificateSpec) Kind() string      { return "Certificate" }
func (*NamespaceSpec) Kind() string        { return "Namespace" }
func (*IAMRoleSpec) Kind() string          { return "IAMRole" }
func (*ServiceSpec) Kind() string          { return "Service" }
func (*BatchJobSpec) Kind() string         { return "BatchJob" }

// CloudRegion returns the region the request asked for, or "".
func (c CloudSpec) CloudRegion() string { return c.Region }
