package platform

import "fmt"

// DefaultIssuer is the cert-manager issuer of a Certificate that names
// none, and of a public Service's host.
const DefaultIssuer = "letsencrypt"

// DefaultPort is the one port of a Service that lists none: the port of
// dip/v1's spec.port, named http.
var DefaultPort = Port{Name: "http", Port: 8080}

// DefaultResources are the CPU and memory of a workload that asks for
// none, and of a container in a namespace dip manages that sets none.
func DefaultResources() Resources { return Resources{CPU: "250m", Memory: "256Mi"} }

func defaultProbes() Probes { return Probes{Liveness: "/healthz", Readiness: "/readyz"} }

// sizeClasses maps the sizes of a dip/v1 PostgresDatabase to the RDS
// instance classes they render.
var sizeClasses = map[string]string{
	"small":  "db.t4g.small",
	"medium": "db.m6g.large",
	"large":  "db.r6g.xlarge",
}

// InstanceClassOfSize returns the RDS instance class a dip/v1
// PostgresDatabase of size renders.
func InstanceClassOfSize(size string) (string, bool) {
	c, ok := sizeClasses[size]
	return c, ok
}

// CloudSpec holds the fields every cloud kind takes.
type CloudSpec struct {
	// Region overrides the environment's region.
	Region string `json:"region,omitempty"`
}

// PostgresDatabaseSpec is a PostgresDatabase as renderers take it: the
// fields of dip/v2.
type PostgresDatabaseSpec struct {
	CloudSpec
	// InstanceClass is an RDS instance class such as db.t4g.small.
	InstanceClass       string  `json:"instanceClass"`
	Version             string  `json:"version"`
	Storage             Storage `json:"storage"`
	BackupRetentionDays int     `json:"backupRetentionDays"`
	HighAvailability    bool    `json:"highAvailability"`
	Encrypted           bool    `json:"encrypted"`
}

// Storage is a database's allocated storage.
type Storage struct {
	SizeGB int `json:"sizeGB"`
	// MaxSizeGB turns storage autoscaling on, up to that size; zero
	// leaves it off.
	MaxSizeGB int `json:"maxSizeGB,omitempty"`
}

// postgresDatabaseV1 is a PostgresDatabase as dip/v1 writes it.
type postgresDatabaseV1 struct {
	CloudSpec
	Size                string `json:"size"`
	Version             string `json:"version"`
	StorageGB           int    `json:"storageGB"`
	BackupRetentionDays int    `json:"backupRetentionDays"`
	HighAvailability    bool   `json:"highAvailability"`
	Encrypted           bool   `json:"encrypted"`
}

func (v *postgresDatabaseV1) upgrade() (Spec, error) {
	class, ok := InstanceClassOfSize(v.Size)
	if !ok {
		return nil, fmt.Errorf("unknown size %q", v.Size)
	}
	return &PostgresDatabaseSpec{
		CloudSpec:           v.CloudSpec,
		InstanceClass:       class,
		Version:             v.Version,
		Storage:             Storage{SizeGB: v.StorageGB},
		BackupRetentionDays: v.BackupRetentionDays,
		HighAvailability:    v.HighAvailability,
		Encrypted:           v.Encrypted,
	}, nil
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

// ServiceSpec is a Service as renderers take it: the fields of dip/v2.
type ServiceSpec struct {
	Namespace string `json:"namespace"`
	Image     string `json:"image"`
	// Ports are the ports the container listens on, at least one. The
	// first is the service's main port: the probes, the core Service's
	// port 80 and a public host's ingress go to it.
	Ports     []Port            `json:"ports"`
	Scaling   Scaling           `json:"scaling"`
	Resources Resources         `json:"resources"`
	Probes    Probes            `json:"probes"`
	Env       map[string]string `json:"env,omitempty"`
	Uses      []Use             `json:"uses,omitempty"`
	Public    bool              `json:"public"`
	Host      string            `json:"host,omitempty"`
	// TLS terminates HTTPS on the public host; only meaningful when Public.
	TLS bool `json:"tls"`
}

// Port is a named port of a Service's container.
type Port struct {
	Name string `json:"name"`
	Port int    `json:"port"`
}

// Scaling bounds the pods of a Service: the autoscaler keeps between Min
// and Max.
type Scaling struct {
	Min int `json:"min"`
	// Max zero means twice Min, at most 100 (and never below Min).
	Max int `json:"max,omitempty"`
}

// maxReplicasCap bounds the default Scaling.Max.
const maxReplicasCap = 100

// Maximum returns Max, or its default when Max is zero.
func (s Scaling) Maximum() int {
	if s.Max != 0 {
		return s.Max
	}
	return max(min(2*s.Min, maxReplicasCap), s.Min)
}

// serviceV1 is a Service as dip/v1 writes it.
type serviceV1 struct {
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
	TLS         bool              `json:"tls"`
}

func (v *serviceV1) upgrade() (Spec, error) {
	return &ServiceSpec{
		Namespace: v.Namespace,
		Image:     v.Image,
		Ports:     []Port{{Name: DefaultPort.Name, Port: v.Port}},
		Scaling:   Scaling{Min: v.Replicas, Max: v.MaxReplicas},
		Resources: v.Resources,
		Probes:    v.Probes,
		Env:       v.Env,
		Uses:      v.Uses,
		Public:    v.Public,
		Host:      v.Host,
		TLS:       v.TLS,
	}, nil
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
