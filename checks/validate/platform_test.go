package validate_test

import (
	"strings"
	"testing"

	"github.com/dipdev/dip/platform"
)

func TestInvalidPlatform(t *testing.T) {
	tests := []struct {
		name, old, new string
		want           string // "pos [rule] message substring"
	}{
		{"unknown cloud", "cloud: aws", "cloud: gcp", `platform.yaml:6:3 [schema] spec.cloud: must be one of aws (got "gcp")`},
		{"duplicate environment", "name: production", "name: staging",
			`platform.yaml:10:7 [unique-name] spec.environments[1].name: environment "staging" is already defined at spec.environments[0]`},
		{"region not allowed", "region: eu-west-1\n  allowed", "region: us-east-1\n  allowed",
			`platform.yaml:11:7 [allowed-region] spec.environments[1].region: region "us-east-1" of environment production is not in allowedRegions`},
		{"no environments", "  environments:\n    - name: staging\n      region: eu-west-1\n    - name: production\n      region: eu-west-1\n", "",
			`platform.yaml:5:1 [schema] spec: missing required field "environments"`},
		{"unknown field", "  cloud: aws", "  cloud: aws\n  clouds: [aws]", `platform.yaml:7:3 [schema] spec: unknown field "clouds"`},
		{"not YAML", "kind: Platform", "kind: [Platform", `platform.yaml:2 [yaml] invalid YAML: did not find expected`},
		{"unknown grouping", "  cloud: aws", "  cloud: aws\n  migrations:\n    groupBy: kind", `platform.yaml:8:5 [schema] spec.migrations.groupBy: must be one of team, request (got "kind")`},
		{"negative limit", "  cloud: aws", "  cloud: aws\n  migrations:\n    maxNewPullRequestsPerHour: -1", `platform.yaml:8:5 [schema] spec.migrations.maxNewPullRequestsPerHour: must be at least 0`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(platformYAML, tc.old) {
				t.Fatalf("platform.yaml does not contain %q", tc.old)
			}
			files := map[string]string{"platform.yaml": strings.Replace(platformYAML, tc.old, tc.new, 1)}
			repo, diags := validateFS(t, repoFS(files))
			if repo != nil {
				t.Error("repo is not nil for an invalid platform.yaml")
			}
			pos, rest, _ := strings.Cut(tc.want, " [")
			rule, msg, _ := strings.Cut(rest, "] ")
			found := false
			for _, d := range diags {
				if d.Pos.String() == pos && d.Rule == rule && strings.Contains(d.Message, msg) {
					found = true
				}
			}
			if !found {
				t.Errorf("missing diagnostic %s\ngot:\n  %s", tc.want, diagList(diags))
			}
		})
	}
}

func TestLayoutDiagnosticsKept(t *testing.T) {
	repo, diags := validateFS(t, repoFS(map[string]string{"requests/stray.yaml": queueYAML("stray", "payments")}))
	if repo == nil {
		t.Fatal("repo is nil")
	}
	if len(diags) != 1 || diags[0].File != "requests/stray.yaml" || diags[0].Rule != "layout" {
		t.Errorf("got %s", diagList(diags))
	}
}

func TestMigrationSettings(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       platform.Migrations
	}{
		{"defaults", "", platform.DefaultMigrations},
		{"set", "  migrations:\n    groupBy: request\n    maxOpenPullRequests: 0\n    maxNewPullRequestsPerHour: 5\n",
			platform.Migrations{GroupBy: platform.GroupByRequest, MaxOpenPullRequests: 0, MaxNewPullRequestsPerHour: 5}},
		{"partly set", "  migrations: {maxOpenPullRequests: 3}\n",
			platform.Migrations{GroupBy: platform.GroupByTeam, MaxOpenPullRequests: 3, MaxNewPullRequestsPerHour: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo, diags := validateFS(t, repoFS(map[string]string{"platform.yaml": platformYAML + tc.yaml}))
			if repo == nil {
				t.Fatalf("invalid: %s", diagList(diags))
			}
			if got := repo.Platform.Migrations; got != tc.want {
				t.Errorf("settings %+v, want %+v", got, tc.want)
			}
		})
	}
}
