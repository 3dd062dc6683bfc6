package validate_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dipdev/dip/platform"
)

const (
	db       = "requests/payments/orders-db.yaml"
	svc      = "requests/payments/orders-api.yaml"
	bucket   = "requests/payments/receipts.yaml"
	ns       = "requests/payments/payments.yaml"
	queue    = "requests/payments/order-events.yaml"
	secret   = "requests/payments/stripe-key.yaml"
	longName = "a123456789b123456789c123456789d123456789e123456789f123456789abcd"
)

// queueYAML is a valid Queue request of team in file name.
func queueYAML(name, team string) string {
	return fmt.Sprintf("apiVersion: dip/v1\nkind: Queue\nmetadata:\n  name: %s\n  team: %s\nspec:\n  environments: [staging]\n", name, team)
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func TestBadInputs(t *testing.T) {
	tests := []struct {
		name  string
		files func(t *testing.T) map[string]string
		// want lists diagnostics as "file:line:column [rule] message
		// substring"; every diagnostic of the files named in want must
		// be listed.
		want []string
	}{
		// Types, ranges and enums.
		{"wrong type", func(t *testing.T) map[string]string { return edit(t, db, "size: small", "size: small\n  version: 16") },
			[]string{db + `:9:3 [schema] spec.version: must be a string (got 16); write it in quotes: "16"`}},
		{"below minimum", func(t *testing.T) map[string]string { return edit(t, db, "size: small", "size: small\n  storageGB: 5") },
			[]string{db + ":9:3 [schema] spec.storageGB: must be at least 20 (got 5)"}},
		{"above maximum", func(t *testing.T) map[string]string {
			return edit(t, db, "size: small", "size: small\n  backupRetentionDays: 40")
		}, []string{db + ":9:3 [schema] spec.backupRetentionDays: must be at most 35 (got 40)"}},
		{"not in enum", func(t *testing.T) map[string]string { return edit(t, db, "size: small", "size: huge") },
			[]string{db + `:8:3 [schema] spec.size: must be one of small, medium, large (got "huge")`}},
		{"enum in override", func(t *testing.T) map[string]string { return edit(t, db, "size: large", "size: Large") },
			[]string{db + `:11:7 [schema] spec.overrides.production.size: must be one of small, medium, large (got "Large") (did you mean "large"?)`}},
		{"number far out of range", func(t *testing.T) map[string]string {
			return edit(t, db, "size: small", "size: small\n  storageGB: 1e300")
		},
			[]string{db + ":9:3 [schema] spec.storageGB: must be at most 16384 (got 1e+300)"}},
		{"fraction for a whole number", func(t *testing.T) map[string]string {
			return edit(t, db, "size: small", "size: small\n  storageGB: 20.5")
		},
			[]string{db + ":9:3 [schema] spec.storageGB: must be a whole number (got 20.5)"}},
		{"maxReplicas below replicas", func(t *testing.T) map[string]string {
			return edit(t, svc, "resources: {cpu: 500m}", "resources: {cpu: 500m}\n  replicas: 3\n  maxReplicas: 2")
		}, []string{svc + ":12:3 [schema] spec.maxReplicas: must be at least replicas (3) in environment"}},
		{"spec not a mapping", func(t *testing.T) map[string]string {
			return map[string]string{db: "apiVersion: dip/v1\nkind: PostgresDatabase\nmetadata: {name: orders-db, team: payments}\nspec: 5\n"}
		}, []string{db + ":4:1 [schema] spec: must be a mapping (got 5)"}},
		{"request not a mapping", func(t *testing.T) map[string]string { return map[string]string{db: "- a\n- b\n"} },
			[]string{db + ":1:1 [schema] a request must be a mapping"}},
		{"env value not a string", func(t *testing.T) map[string]string {
			return edit(t, svc, "env: {LOG_LEVEL: info}", "env: {LOG_LEVEL: info, PORT: 8080}")
		}, []string{svc + `:11:26 [schema] spec.env.PORT: must be a string (got 8080)`}},
		{"bad env variable name", func(t *testing.T) map[string]string {
			return edit(t, svc, "env: {LOG_LEVEL: info}", "env: {LOG-LEVEL: info}")
		}, []string{svc + `:11:9 [schema] spec.env: key "LOG-LEVEL" must be a variable name`}},

		// Unknown fields at every level.
		{"unknown top-level field", func(t *testing.T) map[string]string {
			return edit(t, db, "kind: PostgresDatabase", "kind: PostgresDatabase\nspecs: {}")
		},
			[]string{db + `:3:1 [schema] unknown field "specs" (did you mean "spec"?)`}},
		{"unknown metadata field", func(t *testing.T) map[string]string { return edit(t, db, "  name: orders-db", "  nmae: orders-db") },
			[]string{db + `:3:1 [schema] metadata: missing required field "name"`,
				db + `:4:3 [schema] metadata: unknown field "nmae" (did you mean "name"?)`}},
		{"unknown spec field", func(t *testing.T) map[string]string { return edit(t, db, "size: small", "sise: small") },
			[]string{db + `:6:1 [schema] spec: missing required field "size"`,
				db + `:8:3 [schema] spec: unknown field "sise" (did you mean "size"?)`}},
		{"unknown override field", func(t *testing.T) map[string]string { return edit(t, db, "highAvailability", "highAvailabilty") },
			[]string{db + `:12:7 [schema] spec.overrides.production: unknown field "highAvailabilty" (did you mean "highAvailability"?)`}},
		{"unknown nested field", func(t *testing.T) map[string]string { return edit(t, svc, "{cpu: 500m}", "{cpu: 500m, mem: 1Gi}") },
			[]string{svc + `:10:26 [schema] spec.resources: unknown field "mem" (did you mean "memory"?)`}},
		{"unknown nested field in override", func(t *testing.T) map[string]string { return edit(t, ns, `{cpu: "8"}`, `{cpu: "8", pod: 3}`) },
			[]string{ns + `:11:25 [schema] spec.overrides.production.quota: unknown field "pod" (did you mean "pods"?)`}},
		{"unknown exception field", func(t *testing.T) map[string]string { return edit(t, bucket, "reason:", "reasn:") },
			[]string{bucket + `:7:7 [schema] metadata.exceptions[0]: missing required field "reason"`,
				bucket + `:8:7 [schema] metadata.exceptions[0]: unknown field "reasn" (did you mean "reason"?)`}},

		// Missing required fields.
		{"missing spec", func(t *testing.T) map[string]string {
			return map[string]string{queue: "apiVersion: dip/v1\nkind: Queue\nmetadata: {name: order-events, team: payments}\n"}
		}, []string{queue + `:1:1 [schema] missing required field "spec"`}},
		{"missing nested field", func(t *testing.T) map[string]string { return edit(t, ns, `pods: 20`, `pod: 20`) },
			[]string{ns + `:8:3 [schema] spec.quota: missing required field "pods"`,
				ns + `:8:34 [schema] spec.quota: unknown field "pod" (did you mean "pods"?)`}},
		{"public without host", func(t *testing.T) map[string]string { return edit(t, svc, "  host: orders.acme.example\n", "") },
			[]string{svc + `:6:1 [schema] spec: missing required field "host" (required when public is true)`}},
		{"public in an override without host", func(t *testing.T) map[string]string {
			return map[string]string{svc: strings.NewReplacer("  public: true\n  host: orders.acme.example\n", "",
				"      host: orders.staging.acme.example", "      public: true").Replace(validRequests[svc])}
		}, []string{svc + `:18:7 [schema] spec.host: required when public is true (public in environment staging has no host)`}},

		// Kinds and versions.
		{"unknown kind", func(t *testing.T) map[string]string { return edit(t, db, "kind: PostgresDatabase", "kind: Postgres") },
			[]string{db + `:2:1 [kind] kind: unknown kind "Postgres" (did you mean "PostgresDatabase"?); dip/v1 kinds are BatchJob, Bucket,`}},
		{"unknown version", func(t *testing.T) map[string]string { return edit(t, db, "apiVersion: dip/v1", "apiVersion: dip/1") },
			[]string{db + `:1:1 [kind] apiVersion: unknown version "dip/1" (did you mean "dip/v1"?); known versions: dip/v1, dip/v2`}},
		{"team file under requests", func(t *testing.T) map[string]string { return map[string]string{db: teamYAML("orders-db")} },
			[]string{db + `:2:1 [kind] kind: a Team is not a request; it belongs in teams/<team>.yaml`}},

		// Names and paths.
		{"path traversal name", func(t *testing.T) map[string]string { return edit(t, db, "name: orders-db", "name: ../../etc") },
			[]string{db + `:4:3 [schema] metadata.name: must be a DNS-1123 label`}},
		{"upper-case name", func(t *testing.T) map[string]string { return edit(t, db, "name: orders-db", "name: Orders") },
			[]string{db + `:4:3 [schema] metadata.name: must be a DNS-1123 label: at most 63 lowercase ASCII letters, digits and '-', starting and ending with a letter or digit (got "Orders"); use lower case`}},
		{"look-alike name", func(t *testing.T) map[string]string { return edit(t, db, "name: orders-db", "name: ordеrs-db") },
			[]string{db + `:4:3 [schema] it contains 'е' (U+0435), which is not an ASCII character`}},
		{"64-character name", func(t *testing.T) map[string]string { return edit(t, db, "name: orders-db", "name: "+longName) },
			[]string{db + `:4:3 [schema] metadata.name: must be a DNS-1123 label: at most 63`}},
		{"upper-case team directory", func(t *testing.T) map[string]string {
			return map[string]string{"requests/Payments/jobs.yaml": queueYAML("jobs", "payments")}
		}, []string{`requests/Payments/jobs.yaml:5:3 [path] directory "Payments" of requests/Payments/jobs.yaml cannot be a team name: must be a DNS-1123 label`}},
		{"look-alike team directory", func(t *testing.T) map[string]string {
			return map[string]string{"requests/pаyments/jobs.yaml": queueYAML("jobs", "payments")}
		}, []string{`requests/pаyments/jobs.yaml:5:3 [path] directory "pаyments" of requests/pаyments/jobs.yaml cannot be a team name: must be a DNS-1123 label: at most 63 lowercase ASCII letters, digits and '-', starting and ending with a letter or digit; it contains 'а' (U+0430)`}},
		{"upper-case file name", func(t *testing.T) map[string]string {
			return map[string]string{"requests/payments/Jobs.yaml": queueYAML("jobs", "payments")}
		}, []string{`requests/payments/Jobs.yaml:4:3 [path] file name "Jobs" of requests/payments/Jobs.yaml cannot be a request name`}},
		{"file name differs from name", func(t *testing.T) map[string]string {
			return map[string]string{"requests/payments/jobs.yaml": queueYAML("tasks", "payments")}
		}, []string{`requests/payments/jobs.yaml:4:3 [file-name] metadata.name: a request named "tasks" must be in the file tasks.yaml, not jobs.yaml`}},
		{"duplicate name", func(t *testing.T) map[string]string {
			return map[string]string{"requests/catalog/orders-db.yaml": strings.Replace(validRequests[db], "team: payments", "team: catalog", 1)}
		}, []string{
			`requests/catalog/orders-db.yaml:4:3 [unique-name] metadata.name: PostgresDatabase "orders-db" is defined again in requests/payments/orders-db.yaml:4:3`,
			db + `:4:3 [unique-name] metadata.name: PostgresDatabase "orders-db" is already defined in requests/catalog/orders-db.yaml:4:3`,
		}},

		{"two requests with one cloud name", func(t *testing.T) map[string]string {
			r := strings.Replace(validRequests[db], "name: orders-db", "name: db", 1)
			return map[string]string{
				"teams/payments-orders.yaml":       teamYAML("payments-orders"),
				"requests/payments-orders/db.yaml": strings.Replace(r, "team: payments", "team: payments-orders", 1),
			}
		}, []string{
			`requests/payments-orders/db.yaml:4:3 [cloud-name] metadata.name: PostgresDatabase "db" of team "payments-orders" would name its database instance "payments-orders-db-staging" in environment staging, as PostgresDatabase "orders-db" of team "payments" does (requests/payments/orders-db.yaml:4:3); rename one of them`,
			db + `:4:3 [cloud-name] metadata.name: PostgresDatabase "orders-db" of team "payments" would name its database instance "payments-orders-db-staging" in environment staging, as PostgresDatabase "db" of team "payments-orders" does (requests/payments-orders/db.yaml:4:3); rename one of them`,
			svc + `:13:7 [reference] spec.uses[0]: PostgresDatabase "orders-db" is invalid (see requests/payments/orders-db.yaml); fix it first`,
		}},
		{"an IAMRole named as a Service's role", func(t *testing.T) map[string]string {
			// Environment svc: the role of IAMRole orders-api-staging there
			// is the role of Service orders-api in staging.
			plat := strings.Replace(platformYAML, "    - name: production\n", "    - name: svc\n      region: eu-west-1\n    - name: production\n", 1)
			role := strings.NewReplacer("name: orders-role", "name: orders-api-staging", "[staging, production]", "[svc]",
				"namespace: payments", "namespace: workloads").Replace(validRequests["requests/payments/orders-role.yaml"])
			return map[string]string{
				"platform.yaml": plat,
				"requests/payments/orders-api-staging.yaml": role,
			}
		}, []string{
			`requests/payments/orders-api-staging.yaml:4:3 [cloud-name] metadata.name: IAMRole "orders-api-staging" of team "payments" would name its IAM role "payments-orders-api-staging-svc" in environment svc, as Service "orders-api" of team "payments" names its IAM role in environment staging (requests/payments/orders-api.yaml:4:3); rename one of them`,
			svc + `:4:3 [cloud-name] metadata.name: Service "orders-api" of team "payments" would name its IAM role "payments-orders-api-staging-svc" in environment staging, as IAMRole "orders-api-staging" of team "payments" names its IAM role in environment svc (requests/payments/orders-api-staging.yaml:4:3); rename one of them`,
		}},
		{"a Secret named as a Service's database connections", func(t *testing.T) map[string]string {
			s := strings.Replace(validRequests[secret], "name: stripe-key", "name: orders-api-databases", 1)
			return map[string]string{"requests/payments/orders-api-databases.yaml": s}
		}, []string{
			`requests/payments/orders-api-databases.yaml:4:3 [cloud-name] metadata.name: Secret "orders-api-databases" of team "payments" would name its Kubernetes Secret "payments/orders-api-databases" in environment staging, as Service "orders-api" of team "payments" names its database connections' Kubernetes Secret (requests/payments/orders-api.yaml:4:3); rename one of them`,
			svc + `:4:3 [cloud-name] metadata.name: Service "orders-api" of team "payments" would name its database connections' Kubernetes Secret "payments/orders-api-databases" in environment staging, as Secret "orders-api-databases" of team "payments" names its Kubernetes Secret (requests/payments/orders-api-databases.yaml:4:3); rename one of them`,
		}},
		{"a Certificate named as a Secret in its namespace", func(t *testing.T) map[string]string {
			c := strings.Replace(validRequests["requests/payments/orders-tls.yaml"], "name: orders-tls", "name: stripe-key", 1)
			return map[string]string{"requests/catalog/stripe-key.yaml": strings.Replace(c, "team: payments", "team: catalog", 1)}
		}, []string{
			`requests/catalog/stripe-key.yaml:4:3 [cloud-name] metadata.name: Certificate "stripe-key" of team "catalog" would name its certificate's Kubernetes Secret "payments/stripe-key" in environment production, as Secret "stripe-key" of team "payments" names its Kubernetes Secret (requests/payments/stripe-key.yaml:4:3); rename one of them`,
			secret + `:4:3 [cloud-name] metadata.name: Secret "stripe-key" of team "payments" would name its Kubernetes Secret "payments/stripe-key" in environment production, as Certificate "stripe-key" of team "catalog" names its certificate's Kubernetes Secret (requests/catalog/stripe-key.yaml:4:3); rename one of them`,
		}},
		{"two DNS records of one name", func(t *testing.T) map[string]string {
			d := strings.NewReplacer("name: orders-dns", "name: orders-cname", "record: orders.acme.example", "record: orders").Replace(validRequests["requests/payments/orders-dns.yaml"])
			return map[string]string{"requests/payments/orders-cname.yaml": d}
		}, []string{
			`requests/payments/orders-cname.yaml:4:3 [cloud-name] metadata.name: DNSRecord "orders-cname" of team "payments" would name its DNS record "orders.acme.example CNAME" in environment production, as DNSRecord "orders-dns" of team "payments" does (requests/payments/orders-dns.yaml:4:3); rename one of them`,
			`requests/payments/orders-dns.yaml:4:3 [cloud-name] metadata.name: DNSRecord "orders-dns" of team "payments" would name its DNS record "orders.acme.example CNAME" in environment production, as DNSRecord "orders-cname" of team "payments" does (requests/payments/orders-cname.yaml:4:3); rename one of them`,
		}},

		// Teams.
		{"unknown team", func(t *testing.T) map[string]string {
			return map[string]string{"requests/paymnts/jobs.yaml": queueYAML("jobs", "paymnts")}
		}, []string{`requests/paymnts/jobs.yaml:5:3 [team-exists] metadata.team: team "paymnts" has no valid teams/paymnts.yaml (did you mean "payments"?)`}},
		{"team differs from directory", func(t *testing.T) map[string]string {
			return map[string]string{"requests/catalog/jobs.yaml": queueYAML("jobs", "payments")}
		}, []string{`requests/catalog/jobs.yaml:5:3 [team-directory] metadata.team: the request is in the directory of team "catalog" but names team "payments"`}},
		{"invalid team file", func(t *testing.T) map[string]string {
			return map[string]string{"teams/catalog.yaml": strings.Replace(teamYAML("catalog"), `["@acme/catalog"]`, "[]", 1)}
		}, []string{
			"teams/catalog.yaml:6:3 [schema] spec.owners: must not be empty",
			`requests/catalog/reindex.yaml:5:3 [team-exists] metadata.team: team "catalog" has no valid teams/catalog.yaml`,
		}},
		{"team file name differs from name", func(t *testing.T) map[string]string {
			return map[string]string{"teams/ops.yaml": teamYAML("operations")}
		}, []string{`teams/ops.yaml:4:3 [file-name] metadata.name: team "operations" must be in teams/operations.yaml, not teams/ops.yaml`}},
		{"team missing cost center", func(t *testing.T) map[string]string {
			return map[string]string{"teams/ops.yaml": strings.Replace(teamYAML("ops"), "  costCenter: cc-1234\n", "", 1)}
		}, []string{`teams/ops.yaml:5:1 [schema] spec: missing required field "costCenter"`}},

		// Environments and regions.
		{"unknown environment", func(t *testing.T) map[string]string { return edit(t, db, "[staging, production]", "[staging, prod]") },
			[]string{
				db + `:7:27 [environment-exists] spec.environments[1]: no environment "prod" in platform.yaml (did you mean "production"?); environments are staging, production`,
				db + `:10:5 [override-environment] spec.overrides: "production" is not one of the request's environments (staging, prod)`,
			}},
		{"override of an environment not listed", func(t *testing.T) map[string]string { return edit(t, db, "[staging, production]", "[staging]") },
			[]string{db + `:10:5 [override-environment] spec.overrides: "production" is not one of the request's environments (staging)`}},
		{"override key not a name", func(t *testing.T) map[string]string { return edit(t, db, "    production:", "    Production:") },
			[]string{db + `:10:5 [schema] spec.overrides: key "Production" must be a DNS-1123 label`}},
		{"disallowed region", func(t *testing.T) map[string]string {
			return edit(t, bucket, "region: eu-central-1", "region: us-east-1")
		},
			[]string{bucket + `:14:3 [allowed-region] spec.region: region "us-east-1" is not in the allowedRegions of platform.yaml (eu-west-1, eu-central-1)`}},
		{"disallowed region in override", func(t *testing.T) map[string]string {
			return edit(t, bucket, "region: eu-central-1", "region: eu-central-1\n  overrides:\n    production: {region: ap-south-1}")
		}, []string{bucket + `:16:18 [allowed-region] spec.region: region "ap-south-1" is not in the allowedRegions`}},

		// References.
		{"unresolved uses", func(t *testing.T) map[string]string { return edit(t, svc, "name: orders-db}", "name: order-db}") },
			[]string{svc + `:13:7 [reference] spec.uses[0]: no PostgresDatabase named "order-db" in the repo (did you mean "orders-db"?)`}},
		{"uses a kind that cannot be used", func(t *testing.T) map[string]string {
			return edit(t, svc, "{kind: PostgresDatabase, name: orders-db}", "{kind: Namespace, name: payments}")
		}, []string{svc + `:13:8 [schema] spec.uses[0].kind: must be one of PostgresDatabase, Queue, Bucket, Secret (got "Namespace")`}},
		{"uses an invalid request", func(t *testing.T) map[string]string { return edit(t, db, "size: small", "size: huge") },
			[]string{
				db + `:8:3 [schema] spec.size: must be one of`,
				svc + `:13:7 [reference] spec.uses[0]: PostgresDatabase "orders-db" is invalid (see requests/payments/orders-db.yaml); fix it first`,
			}},
		{"uses a request not in the environment", func(t *testing.T) map[string]string {
			return edit(t, queue, "[staging, production]", "[production]")
		}, []string{svc + `:14:7 [reference] spec.uses[1]: Queue "order-events" is not in environment staging (it is in production)`}},
		{"uses a secret of another namespace", func(t *testing.T) map[string]string {
			return edit(t, secret, "namespace: payments", "namespace: catalog")
		}, []string{svc + `:15:7 [reference] spec.uses[2]: Secret "stripe-key" lands in namespace catalog, not in the service's namespace payments`}},
		{"namespace not in the environment", func(t *testing.T) map[string]string {
			return merge(edit(t, ns, "[staging, production]", "[production]"), map[string]string{
				svc: "", "requests/payments/orders-role.yaml": "", "requests/payments/orders-tls.yaml": "",
			})
		}, []string{secret + `:8:3 [reference] spec.namespace: namespace "payments" is managed by requests/payments/payments.yaml, which is not in environment staging`}},

		// Exceptions.
		{"impossible exception date", func(t *testing.T) map[string]string { return edit(t, bucket, "2030-01-31", "2026-02-30") },
			[]string{bucket + `:9:7 [exception] metadata.exceptions[0].expires: "2026-02-30" is not a date of the calendar`}},
		{"badly written exception date", func(t *testing.T) map[string]string { return edit(t, bucket, "2030-01-31", "31.01.2030") },
			[]string{bucket + `:9:7 [schema] metadata.exceptions[0].expires: must be a date written YYYY-MM-DD (got "31.01.2030")`}},
		{"empty exception policy", func(t *testing.T) map[string]string {
			return edit(t, bucket, "policy: terraform.bucket_versioning", `policy: ""`)
		}, []string{bucket + `:7:7 [schema] metadata.exceptions[0].policy: must not be empty`}},
		{"exception reason missing", func(t *testing.T) map[string]string {
			return edit(t, bucket, "      reason: receipts are written once\n", "")
		}, []string{bucket + `:7:7 [schema] metadata.exceptions[0]: missing required field "reason"`}},

		// Files that are not YAML the loader accepts.
		{"duplicate key", func(t *testing.T) map[string]string { return edit(t, db, "size: small", "size: small\n  size: large") },
			[]string{db + `:9:3 [yaml] duplicate key "size" (first at line 8)`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			repo, diags := validateFS(t, repoFS(tc.files(t)))
			files := map[string]bool{}
			for _, w := range tc.want {
				files[strings.SplitN(w, ":", 2)[0]] = true
			}
			matched := make([]bool, len(tc.want))
			for _, d := range diags {
				if !files[d.File] {
					continue
				}
				found := false
				for i, w := range tc.want {
					pos, rest, _ := strings.Cut(w, " [")
					rule, msg, _ := strings.Cut(rest, "] ")
					if d.Pos.String() == pos && d.Rule == rule && strings.Contains(d.Message, msg) {
						matched[i], found = true, true
					}
				}
				if !found {
					t.Errorf("unexpected diagnostic:\n  %s [%s] %s", d.Pos, d.Rule, d.Message)
				}
			}
			for i, ok := range matched {
				if !ok {
					t.Errorf("missing diagnostic:\n  %s\ngot:\n  %s", tc.want[i], diagList(diags))
				}
			}
			if repo == nil {
				return
			}
			for _, r := range repo.Requests {
				if files[r.File] {
					t.Errorf("request %s with problems is in the repo", r.File)
				}
			}
		})
	}
}

func diagList(ds platform.Diagnostics) string {
	var lines []string
	for _, d := range ds {
		lines = append(lines, fmt.Sprintf("%s [%s] %s", d.Pos, d.Rule, d.Message))
	}
	return strings.Join(lines, "\n  ")
}
