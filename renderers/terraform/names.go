package terraform

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/dipdev/dip/renderers/source"
)

// The cloud names of rendered resources. Each is a pure function of the
// team, request name and environment (and the platform for buckets), so
// that a Service, the Kubernetes renderer or a policy can find a resource
// without reading rendered output. Secrets Manager names are shared with
// the Kubernetes renderer's ExternalSecrets through source.SecretName and
// source.DatabaseSecretName.

// Length limits of AWS names.
const (
	maxDatabaseIdentifier = 63
	maxQueueName          = 80
	maxBucketName         = 63
	maxRoleName           = 64
)

const (
	fifoSuffix        = ".fifo"
	deadLetterSuffix  = "-dlq"
	serviceRoleSuffix = "-svc"
)

// DatabaseIdentifier is the RDS instance identifier of a PostgresDatabase:
// <team>-<name>-<env>, at most 63 characters. Its subnet group, parameter
// group and final snapshot are named after it.
func DatabaseIdentifier(team, name, env string) string {
	return source.PhysicalName(team, name, env, maxDatabaseIdentifier)
}

// DatabaseName is the database created in a PostgresDatabase's instance:
// its request name with hyphens turned into underscores, as Postgres names
// want.
func DatabaseName(name string) string { return strings.ReplaceAll(name, "-", "_") }

// DatabaseUser is the database user a Service connects as with IAM
// database authentication: its name with hyphens turned into underscores,
// so that it needs no quoting in SQL.
func DatabaseUser(service string) string { return strings.ReplaceAll(service, "-", "_") }

// queueBase leaves room for both suffixes within SQS's 80 characters, so a
// queue keeps its name whether or not it is FIFO.
func queueBase(team, name, env string) string {
	return source.PhysicalName(team, name, env, maxQueueName-len(deadLetterSuffix)-len(fifoSuffix))
}

// QueueName is the SQS name of a Queue: <team>-<name>-<env>, with the
// .fifo suffix SQS requires of FIFO queues.
func QueueName(team, name, env string, fifo bool) string {
	return withFIFO(queueBase(team, name, env), fifo)
}

// DeadLetterQueueName is the SQS name of a Queue's dead-letter queue:
// <team>-<name>-<env>-dlq, FIFO like its queue.
func DeadLetterQueueName(team, name, env string, fifo bool) string {
	return withFIFO(queueBase(team, name, env)+deadLetterSuffix, fifo)
}

func withFIFO(name string, fifo bool) string {
	if fifo {
		return name + fifoSuffix
	}
	return name
}

// BucketName is the S3 name of a Bucket: <platform>-<team>-<name>-<env>,
// at most 63 characters. Bucket names are global across AWS accounts; the
// platform name keeps two platforms that use the same team and request
// names apart.
func BucketName(platform, team, name, env string) string {
	return source.PhysicalName(platform+"-"+team, name, env, maxBucketName)
}

// RoleName is the IAM role name of an IAMRole: <team>-<name>-<env>, at
// most 64 characters.
func RoleName(team, name, env string) string {
	return source.PhysicalName(team, name, env, maxRoleName)
}

// ServiceRoleName is the IAM role a Service's service account assumes to
// reach the requests it uses: <team>-<name>-<env>-svc, at most 64
// characters. The suffix keeps it apart from an IAMRole of the same name.
func ServiceRoleName(team, name, env string) string {
	return source.PhysicalName(team, name, env, maxRoleName-len(serviceRoleSuffix)) + serviceRoleSuffix
}

var (
	// rdsIdentifier: a letter first, then letters, digits and single
	// hyphens, no hyphen last.
	rdsIdentifier = regexp.MustCompile(`^[a-z]([a-z0-9]|-[a-z0-9])*$`)
	// bucketPattern: lowercase letters, digits, dots and hyphens, a letter
	// or digit at each end.
	bucketPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	// dbNamePattern: a letter first, then letters, digits and underscores.
	dbNamePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	// queuePattern: letters, digits, hyphens and underscores, and the
	// suffix of a FIFO queue.
	queuePattern = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.fifo)?$`)
	// instanceClass: an RDS instance class such as db.t4g.small (the
	// schema's pattern).
	instanceClass = regexp.MustCompile(`^db\.[a-z0-9]+\.[a-z0-9]+(\.[a-z0-9]+)?$`)
	// rolePattern: what IAM accepts in a role name.
	rolePattern = regexp.MustCompile(`^[A-Za-z0-9_+=,.@-]+$`)
)

// checkName returns an error when name is not a valid what.
func checkName(what, name string, pattern *regexp.Regexp) error {
	if !pattern.MatchString(name) {
		return fmt.Errorf("%s %q is not a valid AWS name", what, name)
	}
	return nil
}
