// Package terraform renders the Terraform of the cloud kinds with hclwrite,
// so that every user string stays a literal.
//
// Each request in each environment is its own root module: providers.tf
// pins Terraform and the AWS provider, main.tf holds the resources and the
// data sources they read, variables.tf the inputs the platform supplies
// (network placement, the cluster, a rotation function) and outputs.tf what
// other tooling may read back.
package terraform

import (
	"fmt"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers/source"
)

// Render returns the Terraform files of r by file name; nil when r's kind
// renders no Terraform.
func Render(r *source.Request) (map[string][]byte, error) {
	return render(newModule(r))
}

func render(m *module) (map[string][]byte, error) {
	r := m.req
	var err error
	switch spec := r.Spec.(type) {
	case *platform.PostgresDatabaseSpec:
		err = wrap("postgres database", renderPostgres(m, r, spec))
	case *platform.QueueSpec:
		err = wrap("queue", renderQueue(m, r, spec))
	case *platform.BucketSpec:
		err = wrap("bucket", renderBucket(m, r, spec))
	case *platform.SecretSpec:
		renderSecret(m, r, spec)
	case *platform.DNSRecordSpec:
		err = wrap("dns record", renderDNSRecord(m, spec))
	case *platform.IAMRoleSpec:
		err = wrap("iam role", renderIAMRole(m, r, spec))
	case *platform.ServiceSpec:
		var grants bool
		grants, err = renderService(m, r, spec)
		if err != nil {
			return nil, wrap("service", err)
		}
		if !grants {
			return nil, nil
		}
	default:
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return m.files(), nil
}

func wrap(kind string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("render %s: %w", kind, err)
}
