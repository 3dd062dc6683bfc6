package scan_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/checks/scan"
	"github.com/dipdev/dip/platform"
)

func secrets(t *testing.T) *scan.Secrets {
	t.Helper()
	s, err := scan.NewSecrets()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Built from parts so that the repository itself holds no secret.
var (
	awsKeyID  = "AKIA" + "QYLPMN5HHHFPZAM2"
	githubPAT = "ghp_" + "8Rn2xVQ4kZp7TtLbW1cJmY6sHdF3aE0uGiOq"
	slackTok  = "xoxb-" + "2941617834-4281793620133-VrNhX4kT2pQm7LsYc9WdJbE1"
	pemHeader = "-----BEGIN " + "RSA PRIVATE KEY-----"
)

func TestSecretsAreFoundAtTheirLine(t *testing.T) {
	req := `apiVersion: dip/v1
kind: Service
metadata:
  name: api
  team: payments
spec:
  environments: [staging]
  namespace: payments
  image: ghcr.io/acme/api:1.0.0
  env:
    AWS_ACCESS_KEY_ID: ` + awsKeyID + `
    GITHUB_TOKEN: ` + githubPAT + `
    SLACK: ` + slackTok + `
`
	key := "apiVersion: dip/v1\nkind: Secret\nmetadata:\n  name: k\n  team: payments\nspec:\n  environments: [staging]\n  namespace: payments\n  description: |\n    " +
		pemHeader + "\n    MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo9z+40RQzuVaE8AkAFmxZzow3x+VJYKdjykkJ0iT9wCS0DRTXu269V264Vf/3jvredZiKRkgwlL9xNAwxXFg0x/XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC+9aGVd+Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmwIDAQABAoIBAQ\n" +
		"    -----END RSA PRIVATE KEY-----\n"
	found := secrets(t).Scan([]scan.File{
		{Path: "requests/payments/api.yaml", Data: []byte(req)},
		{Path: "requests/payments/k.yaml", Data: []byte(key)},
	})
	lines := map[string]bool{}
	for _, a := range found {
		lines[fmt.Sprintf("%s:%d", a.File, a.Line)] = true
		for _, s := range []string{awsKeyID, githubPAT, slackTok, "MIIEowIBAAKCAQEA"} {
			if strings.Contains(a.Message, s) || strings.Contains(a.Title, s) {
				t.Errorf("annotation repeats the secret: %s", a.Message)
			}
		}
		if a.Level != checks.LevelFailure || !strings.HasPrefix(a.Rule, "secrets.") || a.Column == 0 {
			t.Errorf("annotation = %+v", a)
		}
	}
	for _, want := range []string{"requests/payments/api.yaml:11", "requests/payments/api.yaml:12", "requests/payments/api.yaml:13", "requests/payments/k.yaml:10"} {
		if !lines[want] {
			t.Errorf("no finding at %s; found %v", want, lines)
		}
	}
}

func TestAllowComment(t *testing.T) {
	req := "spec:\n  env:\n    TOKEN: " + githubPAT + " # gitleaks:allow\n"
	if found := secrets(t).Scan([]scan.File{{Path: "r.yaml", Data: []byte(req)}}); len(found) != 0 {
		t.Errorf("gitleaks:allow did not silence: %+v", found)
	}
}

func TestTemplateHasNoSecrets(t *testing.T) {
	var files []scan.File
	root := os.DirFS("../../platform-repo-template")
	err := fs.WalkDir(root, "requests", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(root, p)
		files = append(files, scan.File{Path: p, Data: data})
		return err
	})
	if err != nil || len(files) < 10 {
		t.Fatalf("read template: %v (%d files)", err, len(files))
	}
	if found := secrets(t).Scan(files); len(found) != 0 {
		t.Errorf("false positives on the template: %+v", found)
	}
}

// scanner writes a fake scanner script and returns its config.
func scanner(t *testing.T, name, script string, timeout int) platform.Scanner {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	return platform.Scanner{Name: name, Command: p, Args: []string{"{dir}"}, TimeoutSeconds: timeout}
}

const sarif = `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"fake"}},"results":[
 {"ruleId":"container-resources","level":"error","message":{"text":"no limits"},
  "locations":[{"physicalLocation":{"artifactLocation":{"uri":"production/payments/api/kubernetes/deployment.yaml"},"region":{"startLine":12}}}]},
 {"ruleId":"label","level":"warning","message":{"text":"label"},
  "locations":[{"physicalLocation":{"artifactLocation":{"uri":"file://$1/production/payments/api/kubernetes/service.yaml"},"region":{"startLine":3}}}]},
 {"ruleId":"elsewhere","level":"note","message":{"text":"outside"},
  "locations":[{"physicalLocation":{"artifactLocation":{"uri":"../../etc/passwd"},"region":{"startLine":1}}}]}
]}]}`

func mapBack(t *testing.T) (scan.MapBack, *[]string) {
	var calls []string
	return func(rendered string, line int) (platform.Pos, string, bool) {
		calls = append(calls, fmt.Sprintf("%s:%d", rendered, line))
		if strings.HasPrefix(rendered, "production/payments/api/") {
			return platform.Pos{File: "requests/payments/api.yaml", Line: 6}, "production", true
		}
		return platform.Pos{}, "", false
	}, &calls
}

func TestExternalSARIF(t *testing.T) {
	dir := t.TempDir()
	mb, calls := mapBack(t)
	sc := scanner(t, "fake", "cat <<EOF\n"+sarif+"\nEOF\nexit 1\n", 10)
	r := scan.External(context.Background(), sc, dir, mb)
	if r.Conclusion != checks.Failure || len(r.Annotations) != 3 {
		t.Fatalf("result = %+v", r)
	}
	a := r.Annotations[0]
	if a.File != "requests/payments/api.yaml" || a.Line != 6 || a.Env != "production" || a.Level != checks.LevelFailure || a.Rule != "fake.container-resources" {
		t.Errorf("first annotation = %+v", a)
	}
	if r.Annotations[1].File != "requests/payments/api.yaml" || r.Annotations[1].Level != checks.LevelWarning {
		t.Errorf("absolute file URI not mapped: %+v", r.Annotations[1])
	}
	if r.Annotations[2].Level != checks.LevelNotice || strings.Contains(r.Annotations[2].File, "passwd") {
		t.Errorf("outside path: %+v", r.Annotations[2])
	}
	if len(*calls) != 2 {
		t.Errorf("mapBack calls = %v", *calls)
	}
}

func TestExternalFailuresAreNeutral(t *testing.T) {
	dir := t.TempDir()
	mb, _ := mapBack(t)
	for name, tc := range map[string]struct {
		sc   platform.Scanner
		want string
	}{
		"missing": {platform.Scanner{Name: "kube-score", Command: "dip-no-such-scanner"}, "is not installed"},
		"garbage": {scanner(t, "garbage", "echo 'hello, not json'\n", 10), "not SARIF"},
		"crash":   {scanner(t, "crash", "echo boom >&2\nexit 3\n", 10), "boom"},
		"flood":   {scanner(t, "flood", "yes aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 60), "more than"},
	} {
		t.Run(name, func(t *testing.T) {
			r := scan.External(context.Background(), tc.sc, dir, mb)
			if r.Conclusion != checks.Neutral || !strings.Contains(r.Message, tc.want) {
				t.Errorf("result = %s %q, want neutral with %q", r.Conclusion, r.Message, tc.want)
			}
		})
	}
}

func TestHangingScannerAndItsChildrenAreKilled(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	sc := scanner(t, "hang", "sleep 60 &\necho $! > "+pidFile+"\nwait\n", 1)
	start := time.Now()
	r := scan.External(context.Background(), sc, t.TempDir(), func(string, int) (platform.Pos, string, bool) { return platform.Pos{}, "", false })
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("a hanging scanner held dip for %v", d)
	}
	if r.Conclusion != checks.Neutral || !strings.Contains(r.Message, "timed out") {
		t.Errorf("result = %+v", r)
	}
	raw, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("the scanner's child %d is still running", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestScannerEnvironmentHoldsNoSecrets(t *testing.T) {
	t.Setenv("DIP_GITHUB_WEBHOOK_SECRET", "do-not-leak")
	out := filepath.Join(t.TempDir(), "env")
	sc := scanner(t, "env", "env > "+out+"\necho '{\"version\":\"2.1.0\",\"runs\":[]}'\n", 10)
	r := scan.External(context.Background(), sc, t.TempDir(), func(string, int) (platform.Pos, string, bool) { return platform.Pos{}, "", false })
	if r.Conclusion != checks.Success {
		t.Fatalf("result = %+v", r)
	}
	env, _ := os.ReadFile(out)
	if strings.Contains(string(env), "do-not-leak") || !strings.Contains(string(env), "PATH=") {
		t.Errorf("scanner environment:\n%s", env)
	}
}

func TestRunCombines(t *testing.T) {
	mb, _ := mapBack(t)
	res := scan.Run(context.Background(), secrets(t), scan.Input{
		Requests:    []scan.File{{Path: "requests/p/a.yaml", Data: []byte("spec:\n  env:\n    T: " + githubPAT + "\n")}},
		Scanners:    []platform.Scanner{{Name: "kube-score", Command: "dip-no-such-scanner"}},
		RenderedDir: t.TempDir(),
		MapBack:     mb,
	})
	if res.Name != checks.Scan || res.Conclusion != checks.Failure || !strings.Contains(res.Summary, "kube-score") || !strings.Contains(res.Title, "1 secret") {
		t.Errorf("result = %+v", res)
	}
	res = scan.Run(context.Background(), secrets(t), scan.Input{
		Scanners: []platform.Scanner{{Name: "kube-score", Command: "dip-no-such-scanner"}}, RenderedDir: t.TempDir(), MapBack: mb,
	})
	if res.Conclusion != checks.Neutral {
		t.Errorf("a missing scanner passed silently: %+v", res)
	}
}
