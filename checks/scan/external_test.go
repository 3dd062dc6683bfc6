package scan_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/checks/scan"
	"github.com/dipdev/dip/platform"
)

// fakeScanner writes a shell script to run as a scanner. The script gets
// the rendered directory as $1.
func fakeScanner(t *testing.T, name, script string, timeout int) platform.Scanner {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	return platform.Scanner{Name: name, Command: p, Args: []string{scan.DirPlaceholder}, TimeoutSeconds: timeout}
}

const deployment = "production/payments/orders-api/kubernetes/deployment.yaml"

// renderedDir returns a directory holding one rendered file.
func renderedDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, filepath.FromSlash(deployment))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("# generated\napiVersion: apps/v1\nkind: Deployment\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// recorder is a MapBack that knows the files of request orders-api and
// records how it was called.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) mapBack(rendered string, line int) (platform.Pos, string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, fmt.Sprintf("%s:%d", rendered, line))
	if strings.HasPrefix(rendered, "production/payments/orders-api/") {
		return platform.Pos{File: "requests/payments/orders-api.yaml", Line: 6, Column: 1}, "production", true
	}
	return platform.Pos{}, "", false
}

func noMapBack(string, int) (platform.Pos, string, bool) { return platform.Pos{}, "", false }

// sarifScript prints a SARIF log whose URIs may use $1, the directory.
const sarifScript = `[ "$(pwd -P)" = "$(cd "$1" && pwd -P)" ] || { echo "not run in $1" >&2; exit 9; }
cat <<EOF
{"version": "2.1.0", "runs": [{
  "tool": {"driver": {"name": "fake", "rules": [
    {"id": "container-resources", "defaultConfiguration": {"level": "error"}}]}},
  "results": [
    {"ruleId": "container-resources", "ruleIndex": 0, "message": {"text": "no CPU limit"},
     "locations": [{"physicalLocation": {"artifactLocation": {"uri": "` + deployment + `"}, "region": {"startLine": 12}}}]},
    {"ruleId": "pod-probes", "level": "warning", "message": {"text": "no readiness probe"},
     "locations": [{"physicalLocation": {"artifactLocation": {"uri": "file://$1/` + deployment + `"}, "region": {"startLine": 3}}}]},
    {"ruleId": "label-values", "level": "note", "message": {"text": "long label"},
     "locations": [{"physicalLocation": {"artifactLocation": {"uri": "./staging/catalog/x/kubernetes/service.yaml"}, "region": {"startLine": 7}}}]},
    {"ruleId": "escape", "level": "none", "message": {"text": "outside"},
     "locations": [{"physicalLocation": {"artifactLocation": {"uri": "../../etc/passwd"}, "region": {"startLine": 1}}}]},
    {"ruleId": "passed", "kind": "pass", "level": "none", "message": {"text": "fine"}}
  ]}]}
EOF
exit 1
`

func TestExternalPlacesSARIFResultsOnRequests(t *testing.T) {
	dir := renderedDir(t)
	var rec recorder
	r := scan.External(context.Background(), fakeScanner(t, "fake", sarifScript, 10), dir, rec.mapBack)
	want := scan.Result{Scanner: "fake", Conclusion: checks.Failure, Annotations: []checks.Annotation{
		// A result outside the rendered directory names no file.
		{Level: checks.LevelNotice, Rule: "fake.escape", Title: "fake: escape", Message: "outside"},
		{Pos: platform.Pos{File: "requests/payments/orders-api.yaml", Line: 6, Column: 1}, Level: checks.LevelFailure,
			Rule: "fake.container-resources", Title: "fake: container-resources", Message: "no CPU limit", Env: "production", Source: deployment},
		{Pos: platform.Pos{File: "requests/payments/orders-api.yaml", Line: 6, Column: 1}, Level: checks.LevelWarning,
			Rule: "fake.pod-probes", Title: "fake: pod-probes", Message: "no readiness probe", Env: "production", Source: deployment},
		// mapBack knows nothing of the file: the finding stays on it.
		{Pos: platform.Pos{File: "staging/catalog/x/kubernetes/service.yaml", Line: 7}, Level: checks.LevelNotice,
			Rule: "fake.label-values", Title: "fake: label-values", Message: "long label", Source: "staging/catalog/x/kubernetes/service.yaml"},
	}}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	wantCalls := []string{deployment + ":12", deployment + ":3", "staging/catalog/x/kubernetes/service.yaml:7"}
	if diff := cmp.Diff(wantCalls, rec.calls); diff != "" {
		t.Errorf("mapBack calls (-want +got):\n%s", diff)
	}
}

func TestExternalExitOneWithCleanSARIF(t *testing.T) {
	sc := fakeScanner(t, "strict", `echo '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"strict"}},"results":[]}]}'; exit 1`, 10)
	r := scan.External(context.Background(), sc, renderedDir(t), noMapBack)
	if r.Conclusion != checks.Success || len(r.Annotations) != 0 || r.Message != "" {
		t.Errorf("result = %+v", r)
	}
}

func TestExternalWithoutVerdictIsNeutral(t *testing.T) {
	dir := renderedDir(t)
	for _, tc := range []struct {
		name string
		sc   platform.Scanner
		dir  string
		want string
	}{
		{"missing", platform.Scanner{Name: "kube-score", Command: "kube-score-not-installed"},
			dir, `scanner kube-score is not installed: exec: "kube-score-not-installed": executable file not found in $PATH`},
		{"garbage", fakeScanner(t, "garbage", "echo 'hello, not json'\n", 10), dir,
			"scanner garbage: output is not SARIF: invalid character 'h' looking for beginning of value"},
		{"other version", fakeScanner(t, "old", `echo '{"version":"1.0.0","runs":[]}'`+"\n", 10), dir,
			`scanner old: output is not SARIF 2.1.0: version "1.0.0"`},
		{"silent", fakeScanner(t, "silent", "exit 0\n", 10), dir, "scanner silent: output is empty"},
		{"crash", fakeScanner(t, "crash", "echo 'panic: boom' >&2\necho 'at line 3' >&2\nexit 3\n", 10), dir,
			"scanner crash failed with exit status 3 and printed no SARIF (output is empty); its standard error begins:\npanic: boom\nat line 3"},
		{"no directory", fakeScanner(t, "nodir", "exit 0\n", 10), filepath.Join(dir, "nothing-here"),
			"scanner nodir has no directory to scan: " + filepath.Join(dir, "nothing-here") + " is not a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := scan.External(context.Background(), tc.sc, tc.dir, noMapBack)
			if r.Conclusion != checks.Neutral || r.Message != tc.want || len(r.Annotations) != 0 {
				t.Errorf("result = %s %q, want neutral %q", r.Conclusion, r.Message, tc.want)
			}
		})
	}
}

func TestExternalOutputIsBounded(t *testing.T) {
	// 100 MiB, and it would go on if not stopped.
	sc := fakeScanner(t, "flood", "head -c 104857600 /dev/zero | tr '\\0' 'a'\nsleep 30\n", 60)
	start := time.Now()
	r := scan.External(context.Background(), sc, renderedDir(t), noMapBack)
	if r.Conclusion != checks.Neutral || r.Message != "scanner flood printed more than 32 MiB of output" {
		t.Errorf("result = %s %q", r.Conclusion, r.Message)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %v", d)
	}
}

// alive reports whether process pid runs: it exists and is not a zombie
// waiting for init to reap it.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true // no /proc: trust kill
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z") && !strings.HasPrefix(rest, "X")
}

// pidGone waits for the process in pidFile to die.
func pidGone(t *testing.T, pidFile string) {
	t.Helper()
	raw, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil || pid <= 0 {
		t.Fatalf("pid file holds %q", raw)
	}
	for deadline := time.Now().Add(5 * time.Second); alive(pid); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the scanner's child %d is still running", pid)
		}
	}
}

func TestExternalTimeoutKillsTheProcessGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	sc := fakeScanner(t, "hang", "sleep 60 &\necho $! > "+pidFile+"\nsleep 60\n", 1)
	start := time.Now()
	r := scan.External(context.Background(), sc, renderedDir(t), noMapBack)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("a hanging scanner held dip for %v", d)
	}
	if r.Conclusion != checks.Neutral || r.Message != "scanner hang timed out after 1s" {
		t.Errorf("result = %s %q", r.Conclusion, r.Message)
	}
	pidGone(t, pidFile)
}

func TestExternalChildHoldingOutputDoesNotHoldDip(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	sc := fakeScanner(t, "daemon", "sleep 60 &\necho $! > "+pidFile+"\n"+
		`echo '{"version":"2.1.0","runs":[]}'`+"\nexit 0\n", 60)
	start := time.Now()
	r := scan.External(context.Background(), sc, renderedDir(t), noMapBack)
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("a scanner's child held dip for %v", d)
	}
	if r.Conclusion != checks.Success {
		t.Errorf("result = %+v", r)
	}
	pidGone(t, pidFile)
}

func TestExternalStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := scan.External(ctx, fakeScanner(t, "any", "exit 0\n", 10), renderedDir(t), noMapBack)
	if r.Conclusion != checks.Neutral || r.Message != "scanner any was not run: context canceled" {
		t.Errorf("result = %s %q", r.Conclusion, r.Message)
	}
}

func TestScannerEnvironmentIsMinimal(t *testing.T) {
	t.Setenv("DIP_GITHUB_WEBHOOK_SECRET", "webhook-secret-value")
	t.Setenv("DIP_GITLAB_TOKEN", "gitlab-token-value")
	t.Setenv("LANG", "C.UTF-8")
	out := filepath.Join(t.TempDir(), "env")
	sc := fakeScanner(t, "env", "env > "+out+"\necho '{\"version\":\"2.1.0\",\"runs\":[]}'\n", 10)
	if r := scan.External(context.Background(), sc, renderedDir(t), noMapBack); r.Conclusion != checks.Success {
		t.Fatalf("result = %+v", r)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, kv := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if name, _, _ := strings.Cut(kv, "="); name != "PWD" && name != "SHLVL" && name != "_" {
			names = append(names, name) // sh sets PWD, SHLVL and _ itself
		}
	}
	for _, n := range names {
		if n != "PATH" && n != "HOME" && n != "TMPDIR" && n != "LANG" {
			t.Errorf("the scanner got %s", n)
		}
	}
	if strings.Contains(string(raw), "secret-value") || strings.Contains(string(raw), "token-value") || !strings.Contains(string(raw), "LANG=C.UTF-8") {
		t.Errorf("scanner environment:\n%s", raw)
	}
}

// kube-score is not installed by default; this runs only where it is.
func TestKubeScore(t *testing.T) {
	if _, err := exec.LookPath("kube-score"); err != nil {
		t.Skip("kube-score is not installed")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, filepath.FromSlash(deployment))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	const manifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: orders-api, namespace: payments}
spec:
  selector: {matchLabels: {app: orders-api}}
  template:
    metadata: {labels: {app: orders-api}}
    spec:
      containers:
        - name: orders-api
          image: ghcr.io/acme/orders-api:latest
`
	if err := os.WriteFile(p, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	var rec recorder
	sc := platform.Scanner{Name: "kube-score", Command: "kube-score", Args: []string{"score", "--output-format", "sarif", filepath.FromSlash(deployment)}}
	r := scan.External(context.Background(), sc, dir, rec.mapBack)
	if r.Conclusion == checks.Neutral || len(r.Annotations) == 0 {
		t.Fatalf("result = %+v", r)
	}
	for _, a := range r.Annotations {
		if a.File != "requests/payments/orders-api.yaml" {
			t.Errorf("finding not on the request: %+v", a)
		}
	}
}
