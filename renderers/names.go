package renderers

import (
	"slices"
	"strings"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers/kubernetes"
	"github.com/dipdev/dip/renderers/source"
	"github.com/dipdev/dip/renderers/terraform"
)

// Claim is a name a rendered request takes where names must be unique:
// two requests that claim one name would manage one resource.
type Claim struct {
	// Space is where the name must be unique, such as "iam-role" for the
	// IAM roles of an account, or "kubernetes-secret staging" for the
	// Secrets of the staging cluster (Name then holds the namespace).
	Space string
	Name  string
	// What the name names, for messages: "IAM role", "queue", ….
	What string
}

// Spaces of Claim.
const (
	SpaceIAMRole          = "iam-role"
	SpaceDatabase         = "rds-instance"
	SpaceQueue            = "sqs-queue"
	SpaceBucket           = "s3-bucket"
	SpaceSecretsManager   = "secretsmanager-secret"
	spaceDNSRecord        = "route53-record"
	spaceKubernetesSecret = "kubernetes-secret"
)

// cloudKinds are the kinds a Service's uses of which give it an IAM role.
var cloudKinds = []string{"Bucket", "PostgresDatabase", "Queue", "Secret"}

// Claims returns the names a request of team takes when rendered for env,
// with spec its typed spec there, as the renderers name them; platform is
// the platform's name (bucket names carry it). Names are in the AWS
// account (IAM roles, RDS instances, queues, Secrets Manager secrets), in
// S3 (bucket names are global), in a hosted zone (records), and in a
// namespace of the environment's cluster (Secrets and the ExternalSecrets
// or certificates that fill them).
func Claims(platformName, team string, req *platform.Request, env string, spec platform.Spec) []Claim {
	name := req.Name
	switch s := spec.(type) {
	case *platform.PostgresDatabaseSpec:
		return []Claim{
			{SpaceDatabase, terraform.DatabaseIdentifier(team, name, env), "database instance"},
			{SpaceSecretsManager, source.DatabaseSecretName(team, name, env), "connection secret in Secrets Manager"},
		}
	case *platform.QueueSpec:
		return []Claim{
			{SpaceQueue, terraform.QueueName(team, name, env, s.FIFO), "queue"},
			{SpaceQueue, terraform.DeadLetterQueueName(team, name, env, s.FIFO), "dead-letter queue"},
		}
	case *platform.BucketSpec:
		return []Claim{{SpaceBucket, terraform.BucketName(platformName, team, name, env), "bucket"}}
	case *platform.SecretSpec:
		return []Claim{
			{SpaceSecretsManager, source.SecretName(team, name, env), "secret in Secrets Manager"},
			kubernetesSecret(env, s.Namespace, name, "Kubernetes Secret"),
		}
	case *platform.IAMRoleSpec:
		return []Claim{{SpaceIAMRole, terraform.RoleName(team, name, env), "IAM role"}}
	case *platform.CertificateSpec:
		return []Claim{kubernetesSecret(env, s.Namespace, name, "certificate's Kubernetes Secret")}
	case *platform.ServiceSpec:
		var out []Claim
		if slices.ContainsFunc(s.Uses, func(u platform.Use) bool { return slices.Contains(cloudKinds, u.Kind) }) {
			out = append(out, Claim{SpaceIAMRole, terraform.ServiceRoleName(team, name, env), "IAM role"})
		}
		if slices.ContainsFunc(s.Uses, func(u platform.Use) bool { return u.Kind == "PostgresDatabase" }) {
			out = append(out, kubernetesSecret(env, s.Namespace, kubernetes.DatabasesSecretName(name), "database connections' Kubernetes Secret"))
		}
		return out
	case *platform.DNSRecordSpec:
		return []Claim{{spaceDNSRecord + " " + env, fqdn(s.Record, s.Zone) + " " + s.Type, "DNS record"}}
	}
	return nil
}

func kubernetesSecret(env, namespace, name, what string) Claim {
	return Claim{spaceKubernetesSecret + " " + env, namespace + "/" + name, what}
}

// fqdn is a record's name in its zone, as Route 53 keeps it: lowercase,
// fully qualified, without the final dot.
func fqdn(record, zone string) string {
	record = strings.ToLower(strings.TrimSuffix(record, "."))
	zone = strings.ToLower(strings.TrimSuffix(zone, "."))
	if record == zone || strings.HasSuffix(record, "."+zone) {
		return record
	}
	return record + "." + zone
}
