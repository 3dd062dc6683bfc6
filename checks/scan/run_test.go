package scan_test

import (
	"context"
	"strings"
	"testing"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/checks/scan"
	"github.com/dipdev/dip/platform"
)

const warningsScript = `cat <<EOF
{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "lint"}}, "results": [
  {"ruleId": "a", "level": "warning", "message": {"text": "first"},
   "locations": [{"physicalLocation": {"artifactLocation": {"uri": "` + deployment + `"}, "region": {"startLine": 2}}}]},
  {"ruleId": "b", "level": "warning", "message": {"text": "second"}},
  {"ruleId": "c", "level": "note", "message": {"text": "third"},
   "locations": [{"physicalLocation": {"artifactLocation": {"uri": "` + deployment + `"}, "region": {"startLine": 3}}}]}
]}]}
EOF
`

var missing = platform.Scanner{Name: "kube-score", Command: "kube-score-not-installed"}

func TestRun(t *testing.T) {
	var rec recorder
	secret := []scan.File{{Path: "requests/payments/orders-api.yaml", Data: []byte("spec:\n  env:\n    TOKEN: " + githubPAT + "\n")}}
	clean := []scan.File{{Path: "requests/payments/orders-api.yaml", Data: []byte("spec:\n  env:\n    LOG_LEVEL: debug\n")}}
	lint := fakeScanner(t, "lint", warningsScript, 10)
	for _, tc := range []struct {
		name    string
		in      scan.Input
		want    checks.Conclusion
		title   string
		summary []string
	}{
		{"secret and a missing scanner",
			scan.Input{Requests: secret, Scanners: []platform.Scanner{missing}, RenderedDir: renderedDir(t), MapBack: rec.mapBack},
			checks.Failure, "1 secret found; kube-score: no verdict",
			[]string{"| secrets (gitleaks) | 1 secret in 1 request file |", "| kube-score | no verdict: scanner kube-score is not installed"}},
		{"missing scanner only",
			scan.Input{Requests: clean, Scanners: []platform.Scanner{missing}, RenderedDir: renderedDir(t), MapBack: rec.mapBack},
			checks.Neutral, "No secrets found; kube-score: no verdict", nil},
		{"warnings pass",
			scan.Input{Requests: clean, Scanners: []platform.Scanner{lint}, RenderedDir: renderedDir(t), MapBack: rec.mapBack},
			checks.Success, "No secrets found; lint: 2 warnings, 1 notice",
			[]string{"| lint | 2 warnings, 1 notice |", "Findings that name no rendered file:\n\n- warning (lint.b): second"}},
		{"nothing rendered",
			scan.Input{Requests: clean, Scanners: []platform.Scanner{missing}},
			checks.Success, "No secrets found; kube-score: not run", []string{"| kube-score | not run: nothing was rendered |"}},
		{"no scanners", scan.Input{}, checks.Success, "No secrets found", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := scan.Run(context.Background(), newSecrets(t), tc.in)
			if res.Name != checks.Scan || res.Conclusion != tc.want || res.Title != tc.title {
				t.Errorf("got %s %q, want %s %q", res.Conclusion, res.Title, tc.want, tc.title)
			}
			if !strings.HasPrefix(res.Summary, "**"+res.Title+"**\n\n| Scanner | Outcome |\n") {
				t.Errorf("summary:\n%s", res.Summary)
			}
			for _, s := range tc.summary {
				if !strings.Contains(res.Summary, s) {
					t.Errorf("summary lacks %q:\n%s", s, res.Summary)
				}
			}
			if strings.Contains(res.Summary, githubPAT) {
				t.Errorf("summary repeats the secret")
			}
		})
	}
}

func TestRunWithoutSecretScanner(t *testing.T) {
	res := scan.Run(context.Background(), nil, scan.Input{})
	if res.Conclusion != checks.Neutral || res.Title != "Secrets: no verdict" {
		t.Errorf("got %s %q", res.Conclusion, res.Title)
	}
}
