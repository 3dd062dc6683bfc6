package terraform_test

import (
	"strings"
	"testing"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers/source"
	"github.com/dipdev/dip/renderers/terraform"
)

func TestNamesFitAWSLimits(t *testing.T) {
	long := strings.Repeat("a", 63)
	for _, fifo := range []bool{false, true} {
		q := terraform.QueueName(long, long, long, fifo)
		dlq := terraform.DeadLetterQueueName(long, long, long, fifo)
		if len(q) > 80 || len(dlq) > 80 {
			t.Errorf("queue names too long: %q (%d), %q (%d)", q, len(q), dlq, len(dlq))
		}
		if strings.HasSuffix(q, ".fifo") != fifo || strings.HasSuffix(dlq, ".fifo") != fifo {
			t.Errorf("fifo %v: %q, %q", fifo, q, dlq)
		}
		if base := strings.TrimSuffix(dlq, ".fifo"); base != strings.TrimSuffix(q, ".fifo")+"-dlq" {
			t.Errorf("dead-letter queue %q is not named after queue %q", dlq, q)
		}
	}
	for name, got := range map[string]string{
		"bucket":       terraform.BucketName("acme", long, long, long),
		"database":     terraform.DatabaseIdentifier(long, long, long),
		"role":         terraform.RoleName(long, long, long),
		"service role": terraform.ServiceRoleName(long, long, long),
	} {
		limit := map[string]int{"bucket": 63, "database": 63, "role": 64, "service role": 64}[name]
		if len(got) > limit {
			t.Errorf("%s name %q has %d characters, more than %d", name, got, len(got), limit)
		}
	}
	if a, b := terraform.BucketName("acme", "t", long+"x", "e"), terraform.BucketName("acme", "t", long+"y", "e"); a == b {
		t.Errorf("two long bucket names collide: %q", a)
	}
	if a, b := terraform.RoleName("t", "api", "e"), terraform.ServiceRoleName("t", "api", "e"); a == b {
		t.Errorf("a Service's role and an IAMRole of the same name collide: %q", a)
	}
}

// serviceSource returns a Service in staging with uses, in a repo that
// also holds reqs.
func serviceSource(uses []platform.Use, reqs ...*platform.Request) *source.Request {
	env := platform.Environment{Name: "staging", Region: "eu-west-1"}
	team := &platform.Team{Name: "payments", CostCenter: "cc-1"}
	svc := &platform.Request{File: "requests/payments/api.yaml", APIVersion: platform.APIVersion, Kind: "Service",
		Name: "api", Team: "payments", Environments: []string{"staging"}}
	repo := &platform.Repo{
		Platform: &platform.Platform{Name: "acme", Environments: []platform.Environment{env}},
		Teams:    map[string]*platform.Team{"payments": team},
		Requests: append(reqs, svc),
	}
	spec := &platform.ServiceSpec{Namespace: "payments", Image: "api:1", Uses: uses}
	return &source.Request{Repo: repo, Team: team, Request: svc, Env: env, Region: env.Region, Spec: spec}
}

func TestRenderErrors(t *testing.T) {
	prodOnly := &platform.Request{File: "requests/payments/q.yaml", APIVersion: platform.APIVersion, Kind: "Queue",
		Name: "q", Team: "payments", Environments: []string{"production"}}
	env := platform.Environment{Name: "staging", Region: "eu-west-1"}
	team := &platform.Team{Name: "payments"}
	db := &platform.Request{File: "requests/payments/db.yaml", Kind: "PostgresDatabase", Name: "db", Team: "payments"}
	for _, tc := range []struct {
		name string
		src  *source.Request
		want string
	}{
		{"unresolved use", serviceSource([]platform.Use{{Kind: "Queue", Name: "missing"}}), `uses Queue "missing", which does not exist`},
		{"use in another environment", serviceSource([]platform.Use{{Kind: "Queue", Name: "q"}}, prodOnly), "not requested in staging"},
		{"bad instance class", &source.Request{Repo: &platform.Repo{}, Team: team, Request: db, Env: env, Region: env.Region,
			Spec: &platform.PostgresDatabaseSpec{InstanceClass: "huge", Version: "16"}}, `instance class "huge"`},
		{"bad version", &source.Request{Repo: &platform.Repo{}, Team: team, Request: db, Env: env, Region: env.Region,
			Spec: &platform.PostgresDatabaseSpec{InstanceClass: "db.t4g.small", Version: "latest"}}, `bad version "latest"`},
		{"autoscaling below the size", &source.Request{Repo: &platform.Repo{}, Team: team, Request: db, Env: env, Region: env.Region,
			Spec: &platform.PostgresDatabaseSpec{InstanceClass: "db.t4g.small", Version: "16", Storage: platform.Storage{SizeGB: 100, MaxSizeGB: 50}}},
			"storage.maxSizeGB 50 is below storage.sizeGB 100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files, err := terraform.Render(tc.src)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v (%d files), want an error containing %q", err, len(files), tc.want)
			}
		})
	}
}

func TestKindsWithoutTerraform(t *testing.T) {
	env := platform.Environment{Name: "staging", Region: "eu-west-1"}
	team := &platform.Team{Name: "payments"}
	for _, spec := range []platform.Spec{
		&platform.CertificateSpec{Namespace: "payments", DNSNames: []string{"a.example"}},
		&platform.NamespaceSpec{},
		&platform.BatchJobSpec{Namespace: "payments", Image: "job:1", Schedule: "@daily"},
	} {
		req := &platform.Request{File: "requests/payments/x.yaml", Kind: spec.Kind(), Name: "x", Team: "payments"}
		files, err := terraform.Render(&source.Request{Repo: &platform.Repo{}, Team: team, Request: req, Env: env, Region: env.Region, Spec: spec})
		if files != nil || err != nil {
			t.Errorf("%s: got %d files, %v; want nil, nil", spec.Kind(), len(files), err)
		}
	}
}
