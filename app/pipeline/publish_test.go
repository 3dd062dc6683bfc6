package pipeline_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/vcstest"
)

var repo = vcs.Repo{Host: vcs.GitHub, Owner: "acme", Name: "platform", Installation: 7}

const sha = "0123456789abcdef0123456789abcdef01234567"

func TestPublishReport(t *testing.T) {
	fake := &vcstest.Fake{}
	p := &pipeline.Publisher{Provider: fake, Repo: repo, SHA: sha, ExternalID: "job-1"}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	runs := fake.CheckRunsMade()
	if len(runs) != 4 {
		t.Fatalf("created %d check runs, want 4", len(runs))
	}
	for i, r := range runs {
		if r.Run.Name != pipeline.CheckRunNames[i] || r.Run.Status != vcs.StatusInProgress || r.SHA != sha {
			t.Errorf("run %d = %+v", i, r.Run)
		}
	}
	report := &checks.Report{}
	for _, name := range pipeline.CheckRunNames {
		report.Results = append(report.Results, checks.Result{Name: name, Conclusion: checks.Success, Title: "ok", Summary: "fine"})
	}
	report.Results[1] = checks.Result{Name: checks.Policy, Conclusion: checks.Failure, Title: "1 policy failure", Summary: "bad",
		Annotations: []checks.Annotation{{Pos: platform.Pos{File: "requests/p/db.yaml", Line: 9}, Level: checks.LevelFailure, Rule: "terraform.enforce_encryption", Message: "not encrypted"}}}
	if err := p.Finish(context.Background(), report); err != nil {
		t.Fatal(err)
	}
	pol, ok := fake.LatestCheckRun("acme/platform", sha, checks.Policy)
	if !ok || pol.Run.Status != vcs.StatusCompleted || pol.Run.Conclusion != checks.Failure || len(pol.Run.Annotations) != 1 || pol.Run.Annotations[0].Line != 9 {
		t.Errorf("dip/policy = %+v", pol.Run)
	}
}

func TestPublishInfrastructureErrorIsNeutral(t *testing.T) {
	fake := &vcstest.Fake{}
	p := &pipeline.Publisher{Provider: fake, Repo: repo, SHA: sha}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := p.Fail(context.Background(), errors.New("fetch acme/platform: connection reset")); err != nil {
		t.Fatal(err)
	}
	for _, name := range pipeline.CheckRunNames {
		r, _ := fake.LatestCheckRun("acme/platform", sha, name)
		if r.Run.Conclusion != checks.Neutral || !strings.Contains(r.Run.Summary, "not a problem with the change") || !strings.Contains(r.Run.Summary, "connection reset") {
			t.Errorf("%s = %+v", name, r.Run)
		}
	}
}

func TestPublishCreateErrorIsReturned(t *testing.T) {
	fake := &vcstest.Fake{}
	fake.FailNext(vcstest.MethodStartChecks, errors.New("502 bad gateway"))
	p := &pipeline.Publisher{Provider: fake, Repo: repo, SHA: sha}
	if err := p.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "502") {
		t.Fatalf("Start = %v", err)
	}
	if err := p.Finish(context.Background(), &checks.Report{}); err == nil {
		t.Error("Finish of a report without results succeeded")
	}
}
