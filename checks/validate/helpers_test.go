package validate_test

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dipdev/dip/checks/validate"
	"github.com/dipdev/dip/platform"
)

const platformYAML = `apiVersion: dip/v1
kind: Platform
metadata:
  name: acme
spec:
  cloud: aws
  environments:
    - name: staging
      region: eu-west-1
    - name: production
      region: eu-west-1
  allowedRegions: [eu-west-1, eu-central-1]
`

func teamYAML(name string) string {
	return `apiVersion: dip/v1
kind: Team
metadata:
  name: ` + name + `
spec:
  owners: ["@acme/` + name + `"]
  costCenter: cc-1234
`
}

// validRequests holds one valid request of every kind, in files of the
// teams payments and catalog.
var validRequests = map[string]string{
	"requests/payments/orders-db.yaml": `apiVersion: dip/v1
kind: PostgresDatabase
metadata:
  name: orders-db
  team: payments
spec:
  environments: [staging, production]
  size: small
  overrides:
    production:
      size: large
      highAvailability: true
`,
	"requests/payments/order-events.yaml": `apiVersion: dip/v1
kind: Queue
metadata:
  name: order-events
  team: payments
spec:
  environments: [staging, production]
  fifo: true
`,
	"requests/payments/receipts.yaml": `apiVersion: dip/v1
kind: Bucket
metadata:
  name: receipts
  team: payments
  exceptions:
    - policy: terraform.bucket_versioning
      reason: receipts are written once
      expires: 2030-01-31
spec:
  environments: [staging, production]
  versioning: false
  lifecycleDays: 365
  region: eu-central-1
`,
	"requests/payments/stripe-key.yaml": `apiVersion: dip/v1
kind: Secret
metadata:
  name: stripe-key
  team: payments
spec:
  environments: [staging, production]
  namespace: payments
  rotationDays: 90
`,
	"requests/payments/orders-dns.yaml": `apiVersion: dip/v1
kind: DNSRecord
metadata:
  name: orders-dns
  team: payments
spec:
  environments: [production]
  zone: acme.example
  record: orders.acme.example
  type: CNAME
  values: [lb.acme.example]
`,
	"requests/payments/orders-tls.yaml": `apiVersion: dip/v1
kind: Certificate
metadata:
  name: orders-tls
  team: payments
spec:
  environments: [production]
  namespace: payments
  dnsNames: [orders.acme.example]
`,
	"requests/payments/payments.yaml": `apiVersion: dip/v1
kind: Namespace
metadata:
  name: payments
  team: payments
spec:
  environments: [staging, production]
  quota: {cpu: "4", memory: 8Gi, pods: 20}
  overrides:
    production:
      quota: {cpu: "8"}
`,
	"requests/payments/orders-role.yaml": `apiVersion: dip/v1
kind: IAMRole
metadata:
  name: orders-role
  team: payments
spec:
  environments: [staging, production]
  serviceAccount: {namespace: payments, name: orders-api}
  statements:
    - actions: ["s3:GetObject"]
      resources: ["arn:aws:s3:::receipts/*"]
`,
	"requests/payments/orders-api.yaml": `apiVersion: dip/v1
kind: Service
metadata:
  name: orders-api
  team: payments
spec:
  environments: [staging, production]
  namespace: payments
  image: ghcr.io/acme/orders-api:1.4.2
  resources: {cpu: 500m}
  env: {LOG_LEVEL: info}
  uses:
    - {kind: PostgresDatabase, name: orders-db}
    - {kind: Queue, name: order-events}
    - {kind: Secret, name: stripe-key}
  public: true
  host: orders.acme.example
  overrides:
    staging:
      host: orders.staging.acme.example
`,
	"requests/catalog/reindex.yaml": `apiVersion: dip/v1
kind: BatchJob
metadata:
  name: reindex
  team: catalog
spec:
  environments: [staging]
  namespace: catalog
  image: ghcr.io/acme/reindex:2.0.0
  schedule: "0 3 * * *"
  command: [/app/reindex, --full]
`,
}

// repoFS is a valid platform repo with one request of every kind, with
// files replaced or added by files; an empty content removes a file.
func repoFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{
		"platform.yaml":       {Data: []byte(platformYAML)},
		"teams/payments.yaml": {Data: []byte(teamYAML("payments"))},
		"teams/catalog.yaml":  {Data: []byte(teamYAML("catalog"))},
	}
	for name, data := range validRequests {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	for name, data := range files {
		if data == "" {
			delete(fsys, name)
			continue
		}
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return fsys
}

// validateFS validates fsys, leaving out the warnings that the dip/v1
// fixtures are deprecated (TestDeprecatedVersionsWarn checks those).
func validateFS(t testing.TB, fsys fstest.MapFS) (*platform.Repo, platform.Diagnostics) {
	t.Helper()
	repo, diags := validateAll(t, fsys)
	return repo, slices.DeleteFunc(diags, func(d platform.Diagnostic) bool { return d.Rule == "deprecated" })
}

// validateAll validates fsys and returns every diagnostic.
func validateAll(t testing.TB, fsys fstest.MapFS) (*platform.Repo, platform.Diagnostics) {
	t.Helper()
	src, err := platform.Load(fsys)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return validate.Repo(src)
}

// edit returns the valid request in file with old replaced by new.
func edit(t testing.TB, file, old, new string) map[string]string {
	t.Helper()
	data, ok := validRequests[file]
	if !ok || !strings.Contains(data, old) {
		t.Fatalf("%s does not contain %q", file, old)
	}
	return map[string]string{file: strings.Replace(data, old, new, 1)}
}
