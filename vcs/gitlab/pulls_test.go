package gitlab_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/gitlab/gitlabtest"
)

func mr(iid int) gitlabtest.MergeRequest {
	return gitlabtest.MergeRequest{
		IID: iid, Author: fmt.Sprintf("dev%d", iid), Title: fmt.Sprintf("Change %d", iid),
		SHA: fmt.Sprintf("%040x", iid), SourceBranch: fmt.Sprintf("change-%d", iid), TargetBranch: "main", BaseSHA: strings.Repeat("0", 40),
	}
}

func TestOpenPullRequests(t *testing.T) {
	e := setup(t, gitlabtest.WithPageSize(2))
	var want []vcs.PullRequest
	for iid := 1; iid <= 5; iid++ {
		m := mr(iid)
		m.Fork, m.Draft = iid == 2, iid == 3
		m.Labels = []string{"dip"}
		m.Created = e.clock.Now().Add(time.Duration(iid) * time.Minute)
		e.srv.AddMergeRequest(project, m)
		want = append(want, vcs.PullRequest{
			Number: iid, URL: fmt.Sprintf("%s/%s/-/merge_requests/%d", e.srv.URL(), project, iid), Author: m.Author,
			HeadSHA: m.SHA, HeadRef: m.SourceBranch, BaseRef: "main", Fork: m.Fork, Draft: m.Draft,
			Title: m.Title, State: vcs.StateOpen, Labels: []string{"dip"},
			Times: vcs.Timestamps{Created: m.Created, Updated: e.clock.Now()},
		})
	}
	e.srv.AddMergeRequest(project, mr(6))
	e.srv.CloseMergeRequest(project, 6)

	got, err := e.c.OpenPullRequests(t.Context(), e.repo)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApproxTime(time.Millisecond)); diff != "" {
		t.Errorf("open merge requests (-want +got):\n%s", diff)
	}
	if n := e.srv.CountRequests(http.MethodGet, fmt.Sprintf("/projects/%d/merge_requests", e.repo.ID)); n != 3 {
		t.Errorf("%d pages, want 3", n)
	}
}

func TestPullRequestAndCommit(t *testing.T) {
	e := setup(t)
	for iid := 1; iid <= 3; iid++ {
		e.srv.AddMergeRequest(project, mr(iid))
	}
	merge := strings.Repeat("9", 40)
	e.srv.MergeMergeRequest(project, 1, merge)
	e.srv.CloseMergeRequest(project, 2)
	e.srv.MapCommit(project, merge, 2, 3)

	got, err := e.c.PullRequestsForCommit(t.Context(), e.repo, merge)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Number != 1 || got[0].State != vcs.StateMerged || got[0].Author != "dev1" || got[0].Times.Merged.IsZero() {
		t.Errorf("merged merge requests of the commit: %+v", got)
	}
	pr, err := e.c.PullRequest(t.Context(), e.repo, 1)
	if err != nil || pr.BaseSHA != strings.Repeat("0", 40) || pr.State != vcs.StateMerged {
		t.Errorf("PullRequest = %+v, %v", pr, err)
	}
	if _, err := e.c.PullRequest(t.Context(), e.repo, 9); err == nil {
		t.Error("merge request 9: no error")
	}
}

func TestApprovers(t *testing.T) {
	e := setup(t)
	e.srv.AddMergeRequest(project, mr(1))
	e.srv.Approve(project, 1, "dave", "bob")
	got, err := e.c.Approvers(t.Context(), e.repo, 1)
	if err != nil || strings.Join(got, ",") != "bob,dave" {
		t.Errorf("approvers %v, %v", got, err)
	}
	e.srv.Approve(project, 1)
	if got, _ := e.c.Approvers(t.Context(), e.repo, 1); len(got) != 0 {
		t.Errorf("approvals withdrawn, approvers %v", got)
	}
}

func TestMergeRequestLifecycle(t *testing.T) {
	e := setup(t)
	r, _ := e.served(t)
	r.Checkout("main")
	r.Commit("dip/migrate", "Migrate", map[string]string{"requests/c.yaml": "c\n"})
	ctx := t.Context()
	made, err := e.c.CreatePullRequest(ctx, e.repo, vcs.NewPullRequest{Title: "Migrate", Body: "Done by dip.", Head: "dip/migrate", Base: "main", Labels: []string{"dip", "migration"}})
	if err != nil {
		t.Fatal(err)
	}
	if made.Number != 2 || made.Author != gitlabtest.BotUsername || made.HeadRef != "dip/migrate" || len(made.HeadSHA) != 40 ||
		strings.Join(made.Labels, ",") != "dip,migration" || made.BaseSHA == "" {
		t.Errorf("made %+v", made)
	}
	if _, err := e.c.CreatePullRequest(ctx, e.repo, vcs.NewPullRequest{Title: "Again", Head: "dip/migrate", Base: "main"}); err == nil ||
		!strings.Contains(err.Error(), "409") {
		t.Errorf("a second open merge request of the branch: %v", err)
	}
	title, closed, open := "Migrate, again", vcs.StateClosed, vcs.StateOpen
	got, err := e.c.EditPullRequest(ctx, e.repo, 2, vcs.PullRequestEdit{Title: &title, State: &closed})
	if err != nil || got.Title != title || got.State != vcs.StateClosed {
		t.Errorf("edit = %+v, %v", got, err)
	}
	if got, err = e.c.EditPullRequest(ctx, e.repo, 2, vcs.PullRequestEdit{State: &open}); err != nil || got.State != vcs.StateOpen {
		t.Errorf("reopen = %+v, %v", got, err)
	}
	if err := e.c.Comment(ctx, e.repo, 2, "Rebased on main."); err != nil {
		t.Fatal(err)
	}
	notes := e.srv.Notes(project, 2)
	if len(notes) != 1 || notes[0].Body != "Rebased on main." {
		t.Errorf("notes %+v", notes)
	}
}

// A create whose answer was lost is found instead of made twice.
func TestCreateAnswerLost(t *testing.T) {
	e := setup(t)
	r, _ := e.served(t)
	r.Checkout("main")
	r.Commit("dip/migrate", "Migrate", map[string]string{"requests/c.yaml": "c\n"})
	e.srv.FailNextAfterHandling(http.MethodPost, fmt.Sprintf("/projects/%d/merge_requests", e.repo.ID), http.StatusBadGateway, 2)
	made, err := e.c.CreatePullRequest(t.Context(), e.repo, vcs.NewPullRequest{Title: "Migrate", Head: "dip/migrate", Base: "main"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(e.srv.MergeRequests(project)); n != 2 || made.Number != 2 {
		t.Errorf("%d merge requests, made %d; want the one", n, made.Number)
	}
	if err := e.c.Comment(t.Context(), e.repo, 2, "Once."); err != nil {
		t.Fatal(err)
	}
	if n := len(e.srv.Notes(project, 2)); n != 1 {
		t.Errorf("%d notes, want 1", n)
	}
}

func TestRequestReviewers(t *testing.T) {
	e := setup(t)
	e.srv.AddMergeRequest(project, mr(1))
	for _, u := range []string{"alice", "bob"} {
		e.srv.AddMember(project, u, gitlabtest.Developer)
	}
	e.srv.AddUser("carol") // a user, but no member: GitLab drops her
	skipped, err := e.c.RequestReviewers(t.Context(), e.repo, 1, []string{"@alice", "@acme/platform-team", "@carol", "@nobody", "dave@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"@acme/platform-team", "@nobody", "dave@example.com", "@carol"}, skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	if _, err := e.c.RequestReviewers(t.Context(), e.repo, 1, []string{"@bob"}); err != nil {
		t.Fatal(err)
	}
	if got := e.srv.MergeRequests(project)[0].Reviewers; strings.Join(got, ",") != "alice,bob" {
		t.Errorf("reviewers %v: alice kept, bob added", got)
	}
}

func TestIssues(t *testing.T) {
	e := setup(t, gitlabtest.WithPageSize(1))
	ctx := t.Context()
	first, err := e.c.CreateIssue(ctx, e.repo, vcs.NewIssue{Title: "Pending migrations", Body: "- [ ] a", Labels: []string{"dip-migrations"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.CreateIssue(ctx, e.repo, vcs.NewIssue{Title: "Other", Labels: []string{"bug"}}); err != nil {
		t.Fatal(err)
	}
	second, _ := e.c.CreateIssue(ctx, e.repo, vcs.NewIssue{Title: "Later", Labels: []string{"dip-migrations"}})
	found, err := e.c.FindIssues(ctx, e.repo, "dip-migrations")
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 || found[0].Number != first.Number || found[1].Number != second.Number || found[0].State != vcs.StateOpen ||
		found[0].Author != gitlabtest.BotUsername || !strings.HasSuffix(found[0].URL, "/-/issues/1") {
		t.Errorf("found %+v", found)
	}
	edited, err := e.c.EditIssue(ctx, e.repo, first.Number, "Pending migrations (2)", "- [x] a")
	if err != nil || edited.Title != "Pending migrations (2)" || e.srv.Issues(project)[0].Description != "- [x] a" {
		t.Errorf("edited %+v, %v", edited, err)
	}
}

// A merge request an owner deleted is not found, which the migration bot
// tells from an outage.
func TestDeletedMergeRequestNotFound(t *testing.T) {
	e := setup(t)
	e.srv.AddMergeRequest(project, mr(1))
	e.srv.DeleteMergeRequest(project, 1)
	if _, err := e.c.PullRequest(t.Context(), e.repo, 1); !errors.Is(err, vcs.ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
	e.srv.FailNext(http.MethodGet, fmt.Sprintf("/projects/%d/merge_requests/2", e.repo.ID), http.StatusBadGateway, 4)
	if _, err := e.c.PullRequest(t.Context(), e.repo, 2); err == nil || errors.Is(err, vcs.ErrNotFound) {
		t.Errorf("an outage: err = %v, want an error other than ErrNotFound", err)
	}
}
