package kubernetes

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers/source"
	"github.com/dipdev/dip/renderers/terraform"
)

// uses is what a Service's spec.uses adds to it.
//
// Each used request is described by variables named after it (orders-db
// gives the prefix ORDERS_DB):
//
//   - PostgresDatabase: <P>_HOST, <P>_PORT and <P>_DATABASE, read from the
//     Secret <service>-databases, which the Service's ExternalSecret fills
//     from each database's connection secret in AWS Secrets Manager
//     (source.DatabaseSecretName); and <P>_USERNAME, the database user the
//     Service connects as with IAM database authentication
//     (terraform.DatabaseUser), and <P>_REGION, the database's region.
//     There is no password: the application signs an authentication token
//     for that region with its IAM role.
//   - Queue: <P>_QUEUE_NAME and <P>_QUEUE_REGION.
//   - Bucket: <P>_BUCKET_NAME and <P>_BUCKET_REGION.
//   - Secret: <P>, the key "value" of the Secret the request's own
//     ExternalSecret creates; the Secret must land in the Service's
//     namespace.
//
// Cloud names are the Terraform renderer's (terraform.QueueName,
// terraform.BucketName), so that they always agree. Using any cloud kind
// also gives the Service an IAM role (see serviceAccount). A request listed
// twice is described once.
type uses struct {
	env []corev1.EnvVar
	// databases is the data of the Service's ExternalSecret, one entry per
	// variable of each used database.
	databases []ExternalSecretData
	// cloud is whether some used request is of a cloud kind.
	cloud bool
}

// databaseKeys maps the suffix of each database variable to its key in the
// connection secret.
var databaseKeys = []struct{ suffix, property string }{
	{"_DATABASE", "dbname"},
	{"_HOST", "host"},
	{"_PORT", "port"},
}

// databasesSecret names the Secret holding a Service's database connections.
func databasesSecret(service string) string { return service + "-databases" }

// DatabasesSecretName is the name of the Secret, and of the ExternalSecret
// that fills it, holding the connections of the databases Service service
// uses, in its namespace.
func DatabasesSecretName(service string) string { return databasesSecret(service) }

// resolveUses finds each request the Service uses and describes it.
func resolveUses(r *source.Request, s *platform.ServiceSpec) (*uses, error) {
	u := &uses{}
	for i, use := range s.Uses {
		field := fmt.Sprintf("spec.uses[%d]", i)
		if slices.Contains(s.Uses[:i], use) {
			continue
		}
		used := r.Find(use.Kind, use.Name)
		if used == nil {
			return nil, fmt.Errorf("%s: no %s named %q", field, use.Kind, use.Name)
		}
		if !slices.Contains(used.Environments, r.Env.Name) {
			return nil, fmt.Errorf("%s: %s %s is not in environment %s", field, use.Kind, use.Name, r.Env.Name)
		}
		spec, err := r.SpecOf(used)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		if used.Cloud() {
			u.cloud = true
		}
		region := r.Env.Region
		if c, ok := spec.(interface{ CloudRegion() string }); ok && c.CloudRegion() != "" {
			region = c.CloudRegion()
		}
		p := envPrefix(used.Name)
		switch spec := spec.(type) {
		case *platform.PostgresDatabaseSpec:
			key := source.DatabaseSecretName(used.Team, used.Name, r.Env.Name)
			for _, k := range databaseKeys {
				name := p + k.suffix
				u.env = append(u.env, secretEnv(name, databasesSecret(r.Request.Name), name))
				u.databases = append(u.databases, ExternalSecretData{
					SecretKey: name,
					RemoteRef: RemoteRef{Key: key, Property: k.property},
				})
			}
			u.env = append(u.env,
				corev1.EnvVar{Name: p + "_USERNAME", Value: literal(terraform.DatabaseUser(r.Request.Name))},
				corev1.EnvVar{Name: p + "_REGION", Value: literal(region)})
		case *platform.QueueSpec:
			u.env = append(u.env,
				corev1.EnvVar{Name: p + "_QUEUE_NAME", Value: literal(terraform.QueueName(used.Team, used.Name, r.Env.Name, spec.FIFO))},
				corev1.EnvVar{Name: p + "_QUEUE_REGION", Value: literal(region)})
		case *platform.BucketSpec:
			u.env = append(u.env,
				corev1.EnvVar{Name: p + "_BUCKET_NAME", Value: literal(terraform.BucketName(r.Repo.Platform.Name, used.Team, used.Name, r.Env.Name))},
				corev1.EnvVar{Name: p + "_BUCKET_REGION", Value: literal(region)})
		case *platform.SecretSpec:
			if spec.Namespace != s.Namespace {
				return nil, fmt.Errorf("%s: Secret %s lands in namespace %s, not in the service's namespace %s",
					field, use.Name, spec.Namespace, s.Namespace)
			}
			u.env = append(u.env, secretEnv(p, used.Name, secretValueKey))
		default:
			return nil, fmt.Errorf("%s: a Service cannot use a %s", field, use.Kind)
		}
	}
	return u, nil
}

// secretEnv is a variable read from key of Secret secret.
func secretEnv(name, secret, key string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{
		SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: secret},
			Key:                  key,
		},
	}}
}
