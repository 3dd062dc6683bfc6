// Package bench generates synthetic platform repos of any size for
// benchmarks: every kind, several teams, cross-request references and
// per-environment overrides, as a large real platform would have.
package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Teams returns how many teams a generated repo of n requests has.
func Teams(n int) int { return min(max(n/50, 3), 200) }

// Generate writes a valid platform repo of n requests into dir, each on
// the newest version of its blueprint.
func Generate(dir string, n int) error { return generate(dir, n, false, false) }

// GenerateV1 is Generate with every request on dip/v1, as a platform was
// before its blueprints moved on: the requests dip migrate migrates.
// Migrating it gives exactly the files of Generate.
func GenerateV1(dir string, n int) error { return generate(dir, n, false, true) }

// GenerateWithViolations is Generate with some requests that break the
// default policies: unencrypted databases, images tagged latest, public
// buckets. Policy benchmarks need findings to compare.
func GenerateWithViolations(dir string, n int) error { return generate(dir, n, true, false) }

func generate(dir string, n int, violations, v1 bool) error {
	files := map[string]string{"platform.yaml": platformYAML}
	teams := Teams(n)
	for t := range teams {
		name := teamName(t)
		files["teams/"+name+".yaml"] = fmt.Sprintf(teamYAML, name, name, 1000+t, name)
	}
	for i := range n {
		team := teamName(i % teams)
		name, body := request(i, teams, team, v1)
		if violations && i%7 == 0 {
			body = violate(body)
		}
		files["requests/"+team+"/"+name+".yaml"] = body
	}
	for p, body := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// violate makes a request break a default policy, by kind.
func violate(body string) string {
	switch {
	case strings.Contains(body, "\nkind: PostgresDatabase\n"):
		return body + "  encrypted: false\n"
	case strings.Contains(body, "\nkind: Bucket\n"):
		return body + "  public: true\n"
	case strings.Contains(body, "image: "):
		return regexp.MustCompile(`(image: \S+):\S+`).ReplaceAllString(body, "$1:latest")
	}
	return body
}

func teamName(t int) string { return fmt.Sprintf("team-%03d", t) }

// request returns the name and body of request i. The first request of
// each team is its namespace; later ones cycle through the other kinds, and
// services use the database and queue their team asked for just before.
func request(i, teams int, team string, v1 bool) (string, string) {
	round := i / teams
	head := func(kind, name string) string {
		version := "dip/v1"
		if !v1 && (kind == "PostgresDatabase" || kind == "Service") {
			version = "dip/v2"
		}
		return fmt.Sprintf("apiVersion: %s\nkind: %s\nmetadata:\n  name: %s\n  team: %s\nspec:\n  environments: [staging, production]\n", version, kind, name, team)
	}
	if round == 0 {
		return team, head("Namespace", team) + "  quota: {cpu: \"8\", memory: 16Gi, pods: 50}\n  allowIngressFrom: [ingress-nginx]\n"
	}
	id := fmt.Sprintf("%05d", i)
	// Requests of the same team in earlier rounds, for references.
	prev := func(back int) string { return fmt.Sprintf("%05d", i-back*teams) }
	switch round % 9 {
	case 1:
		if !v1 {
			return "db-" + id, head("PostgresDatabase", "db-"+id) + "  instanceClass: db.t4g.small\n  storage:\n    sizeGB: 50\n  overrides:\n    production: {instanceClass: db.m6g.large, highAvailability: true, backupRetentionDays: 14}\n"
		}
		return "db-" + id, head("PostgresDatabase", "db-"+id) + "  size: small\n  storageGB: 50\n  overrides:\n    production: {size: medium, highAvailability: true, backupRetentionDays: 14}\n"
	case 2:
		return "queue-" + id, head("Queue", "queue-"+id) + "  visibilityTimeoutSeconds: 60\n  maxReceiveCount: 3\n"
	case 3:
		scaling := "scaling: {min: 4}"
		if v1 {
			scaling = "replicas: 4"
		}
		return "svc-" + id, head("Service", "svc-"+id) + fmt.Sprintf(
			"  namespace: %s\n  image: registry.example/%s/svc:1.%d.0\n  resources: {cpu: 500m, memory: 512Mi}\n  env: {LOG_LEVEL: info}\n  uses:\n    - {kind: PostgresDatabase, name: db-%s}\n    - {kind: Queue, name: queue-%s}\n  overrides:\n    production: {%s}\n",
			team, team, i, prev(2), prev(1), scaling)
	case 4:
		return "bucket-" + id, head("Bucket", "bucket-"+id) + "  lifecycleDays: 90\n"
	case 5:
		return "secret-" + id, head("Secret", "secret-"+id) + fmt.Sprintf("  description: API key %d\n  namespace: %s\n", i, team)
	case 6:
		return "dns-" + id, head("DNSRecord", "dns-"+id) + fmt.Sprintf("  zone: example.com\n  record: r%d.example.com\n  type: CNAME\n  values: [lb.example.com]\n", i)
	case 7:
		return "cert-" + id, head("Certificate", "cert-"+id) + fmt.Sprintf("  namespace: %s\n  dnsNames: [r%d.example.com]\n", team, i)
	case 8:
		return "job-" + id, head("BatchJob", "job-"+id) + fmt.Sprintf("  namespace: %s\n  image: registry.example/%s/job:1.0.%d\n  schedule: \"*/15 * * * *\"\n  command: [/app/run]\n", team, team, i)
	default:
		return "role-" + id, head("IAMRole", "role-"+id) + fmt.Sprintf("  serviceAccount: {namespace: %s, name: worker-%d}\n  statements:\n    - actions: [\"s3:GetObject\"]\n      resources: [\"arn:aws:s3:::shared-data/*\"]\n", team, i)
	}
}

const platformYAML = `apiVersion: dip/v1
kind: Platform
metadata:
  name: bench
spec:
  cloud: aws
  environments:
    - {name: staging, region: eu-west-1}
    - {name: production, region: eu-west-1}
  allowedRegions: [eu-west-1, eu-central-1]
  output: {branch: rendered, path: rendered}
`

const teamYAML = `apiVersion: dip/v1
kind: Team
metadata:
  name: %s
spec:
  owners: ["@bench/%s"]
  costCenter: cc-%d
  slack: "#%s"
`
