package output_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/checks/output"
	"github.com/dipdev/dip/platform"
)

func report() *checks.Report {
	return &checks.Report{Results: []checks.Result{
		{Name: checks.Validate, Conclusion: checks.Success, Title: "3 requests valid", Summary: "ok"},
		{Name: checks.Policy, Conclusion: checks.Failure, Title: "1 policy failure", Summary: "bad", Annotations: []checks.Annotation{{
			Pos: platform.Pos{File: "requests/p/db.yaml", Line: 12, Column: 5}, Level: checks.LevelFailure,
			Rule: "terraform.enforce_encryption", Title: "Encrypt storage", Message: "storage is not encrypted", Env: "production",
			Source: "rendered/production/p/db/terraform/main.tf",
		}}},
		{Name: checks.Scan, Conclusion: checks.Neutral, Title: "kube-score is not installed", Summary: "scanner kube-score is not installed"},
		{Name: checks.Render, Conclusion: checks.Success, Title: "2 added, 0 changed, 0 removed", Summary: "files"},
	}}
}

func TestText(t *testing.T) {
	var b bytes.Buffer
	if err := output.Text(&b, report()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"dip/policy    FAILURE  1 policy failure",
		"  requests/p/db.yaml:12:5: failure: [production] storage is not encrypted [terraform.enforce_encryption]",
		"  scanner kube-score is not installed",
		"Some checks failed.",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, b.String())
		}
	}
}

func TestSARIF(t *testing.T) {
	var b bytes.Buffer
	if err := output.SARIF(&b, report()); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct{ Rules []struct{ ID string } }
			}
			Results []struct {
				RuleID    string
				Level     string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Results) != 1 {
		t.Fatalf("unexpected SARIF: %s", b.String())
	}
	r := log.Runs[0].Results[0]
	loc := r.Locations[0].PhysicalLocation
	if r.RuleID != "terraform.enforce_encryption" || r.Level != "error" || loc.ArtifactLocation.URI != "requests/p/db.yaml" ||
		loc.Region.StartLine != 12 || loc.Region.StartColumn != 5 {
		t.Errorf("result = %+v", r)
	}
	if len(log.Runs[0].Tool.Driver.Rules) != 1 {
		t.Errorf("rules = %+v", log.Runs[0].Tool.Driver.Rules)
	}
}

func TestTruncateFitsCheckRunAndClosesBlocks(t *testing.T) {
	var b strings.Builder
	b.WriteString("<details><summary>files</summary>\n\n```\n")
	for b.Len() < 200000 {
		b.WriteString("é line of a long rendered diff ✓\n")
	}
	got := output.Truncate(b.String(), output.MaxSummary)
	if n := utf8.RuneCountInString(got); n > output.MaxSummary {
		t.Fatalf("truncated summary has %d characters, more than %d", n, output.MaxSummary)
	}
	if !utf8.ValidString(got) {
		t.Fatal("truncation split a character")
	}
	if strings.Count(got, "```")%2 != 0 || strings.Count(got, "<details>") != strings.Count(got, "</details>") {
		t.Errorf("truncation left a block open:\n%s", got[len(got)-300:])
	}
	if !strings.Contains(got, "cut to fit") {
		t.Error("truncation does not say so")
	}
	short := "short summary\n"
	if output.Truncate(short, output.MaxSummary) != short {
		t.Error("a short summary was changed")
	}
}

func TestWriteRejectsUnknownFormat(t *testing.T) {
	if err := output.Write(&bytes.Buffer{}, "yaml", report()); err == nil {
		t.Error("unknown format accepted")
	}
}
