package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func gitIn(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// gitTemplate is the template committed on main of a fresh repository.
func gitTemplate(t *testing.T) string {
	t.Helper()
	repo := template(t)
	gitIn(t, repo, "init", "-q", "-b", "main")
	gitIn(t, repo, "add", "-A")
	gitIn(t, repo, "commit", "-q", "-m", "start")
	return repo
}

func TestCheckTemplate(t *testing.T) {
	repo := template(t)
	code, out, errOut := dip(t, "check", "--repo", repo)
	if code != 0 || !strings.Contains(out, "All checks passed.") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, format := range []string{"json", "sarif", "markdown"} {
		code, out, errOut := dip(t, "check", "--repo", repo, "--format", format)
		if code != 0 {
			t.Fatalf("--format %s: exit %d\n%s%s", format, code, out, errOut)
		}
		if format != "markdown" && !json.Valid([]byte(out)) {
			t.Errorf("--format %s is not JSON:\n%s", format, out)
		}
		if format == "markdown" && !strings.Contains(out, "## ✅ dip/policy") {
			t.Errorf("markdown:\n%s", out)
		}
	}
}

func TestCheckBaseJudgesTheChangeWithBasePolicies(t *testing.T) {
	repo := gitTemplate(t)
	write(t, repo, "policies/no-public-services.rego", `package acme.public

# METADATA
# custom:
#   id: acme.no_public_services
#   field: spec.public
deny contains "public services need a security review first" if {
	input.kind == "Service"
	input.spec.public
}
`)
	gitIn(t, repo, "add", "-A")
	gitIn(t, repo, "commit", "-q", "-m", "policy")
	// The change removes the policy and makes another service public.
	if err := os.Remove(filepath.Join(repo, "policies/no-public-services.rego")); err != nil {
		t.Fatal(err)
	}
	api := filepath.Join(repo, "requests/catalog/catalog-api.yaml")
	data, _ := os.ReadFile(api)
	write(t, repo, "requests/catalog/catalog-api.yaml", string(data)+"  public: true\n  host: catalog.acme.example\n")

	code, out, errOut := dip(t, "check", "--repo", repo, "--base", "main", "--format", "json")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	var report struct {
		Checks []struct {
			Name        string
			Conclusion  string
			Summary     string
			Annotations []struct {
				File, Rule string
				Line       int
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &report); err != nil {
		t.Fatal(err)
	}
	for _, c := range report.Checks {
		if c.Name != "dip/policy" {
			continue
		}
		if len(c.Annotations) != 1 || c.Annotations[0].File != "requests/catalog/catalog-api.yaml" || c.Annotations[0].Rule != "acme.no_public_services" {
			t.Errorf("policy annotations = %+v; want only the changed request (orders-api is public too, but unchanged)", c.Annotations)
		}
		if !strings.Contains(c.Summary, "Policy impact") {
			t.Errorf("no policy impact report:\n%s", c.Summary)
		}
	}
}

func TestCheckFindsLeakedSecret(t *testing.T) {
	repo := template(t)
	api := filepath.Join(repo, "requests/payments/orders-api.yaml")
	data, _ := os.ReadFile(api)
	leaked := strings.Replace(string(data), "    LOG_LEVEL: info\n", "    LOG_LEVEL: info\n    AWS_ACCESS_KEY_ID: AKIA"+"QYLPMN5HHHFPZAM2\n", 1)
	write(t, repo, "requests/payments/orders-api.yaml", leaked)
	code, out, _ := dip(t, "check", "--repo", repo)
	if code != 1 || !strings.Contains(out, "dip/scan      FAILURE") || !strings.Contains(out, "requests/payments/orders-api.yaml:22:24") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if strings.Contains(out, "QYLPMN5HHHFPZAM2") {
		t.Error("the report repeats the secret")
	}
}

func TestCheckBadBase(t *testing.T) {
	repo := gitTemplate(t)
	code, _, errOut := dip(t, "check", "--repo", repo, "--base", "no-such-branch")
	if code != 2 || !strings.Contains(errOut, `"no-such-branch"`) {
		t.Errorf("exit %d: %s", code, errOut)
	}
	code, _, errOut = dip(t, "check", "--repo", template(t), "--base", "main")
	if code != 2 || !strings.Contains(errOut, "git") {
		t.Errorf("--base outside a git repository: exit %d: %s", code, errOut)
	}
	code, _, errOut = dip(t, "check", "--repo", repo, "--today", "tomorrow")
	if code != 2 {
		t.Errorf("--today tomorrow: exit %d: %s", code, errOut)
	}
}
