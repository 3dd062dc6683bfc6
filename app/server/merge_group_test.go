package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dipdev/dip/vcs/github/githubtest"
)

// noQueues is a policy of the release branch only: no new queues there.
const noQueues = `package acme.release

import rego.v1

deny contains msg if {
	input.kind == "Queue"
	msg := sprintf("queue %s: the release branch takes no new queues", [input.metadata.name])
}
`

// A merge queue's group gets the four check runs on its head commit,
// judged with the policies of the branch it merges into as they are at
// the group's base commit: here a release branch, not the default branch,
// whose own policy the group tries to delete.
func TestMergeGroupChecks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.start(dipOptions{})
	release := e.remote.commit("release", "Freeze queues on the release branch", map[string]string{
		"policies/no-queues.rego": noQueues,
	})
	queueBranch := "gh-readonly-queue/release/pr-42-" + release
	group := e.remote.commit(queueBranch, "Merge pull request #42: add a queue, drop the freeze", map[string]string{
		"policies/no-queues.rego":        "",
		"requests/payments/refunds.yaml": validQueue,
	})
	// The release branch moves on after the group was made; the group is
	// still judged against its own base.
	e.remote.checkout("release")
	e.remote.commit("release", "Add a secret on the release branch", map[string]string{
		"requests/payments/later.yaml": strings.ReplaceAll(unrotated, "forever", "later"),
	})

	payload := map[string]any{
		"action": "checks_requested",
		"merge_group": map[string]any{
			"head_sha": group, "head_ref": "refs/heads/" + queueBranch,
			"base_sha": release, "base_ref": "refs/heads/release",
			"head_commit": map[string]any{"id": group, "tree_id": group, "message": "Merge pull request #42",
				"timestamp": "2026-06-01T10:00:00Z"},
		},
		"repository":   e.repoPayload(),
		"installation": map[string]any{"id": githubtest.DefaultInstallation},
		"sender":       map[string]any{"login": "merger"},
	}
	if got := d.deliver(t, "merge_group", "group-1", payload); got != http.StatusAccepted {
		t.Fatalf("merge_group answered %d, want 202", got)
	}
	runs := e.waitChecks(group, time.Minute)
	if len(runs) != 4 {
		t.Fatalf("%d check runs on the group's head, want 4: %v", len(runs), runs)
	}
	pol := runs["dip/policy"]
	if pol.Conclusion != "failure" {
		t.Errorf("dip/policy concluded %q, want failure by the release branch's policy:\n%s", pol.Conclusion, pol.Summary)
	}
	if a, ok := annotationOn(pol, "requests/payments/refunds.yaml"); !ok || !strings.Contains(a.Message, "release branch") {
		t.Errorf("no annotation of the release policy on the request: %+v", pol.Annotations)
	}
	if v := runs["dip/validate"]; v.Conclusion != "success" || !strings.Contains(v.Title, "1 request") {
		t.Errorf("dip/validate: %s %q, want success judging the one request the group adds", v.Conclusion, v.Title)
	}
	if s := runs["dip/render"].Summary; !strings.Contains(s, "refunds") || strings.Contains(s, "later") {
		t.Errorf("dip/render does not show the group's change alone:\n%s", s)
	}
	for _, sha := range []string{release, e.main} {
		if n := len(e.runsOn(sha)); n != 0 {
			t.Errorf("%d check runs on %s, want none", n, sha)
		}
	}
}
