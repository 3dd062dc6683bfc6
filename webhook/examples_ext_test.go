package webhook_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/webhook"
)

// TestGitHubExamples delivers every one of GitHub's published example
// payloads, for github.com and each GitHub Enterprise Server version: each
// is accepted (2xx) when signed and refused (401) when not.
func TestGitHubExamples(t *testing.T) {
	examples := webhook.OctokitExamples(t)
	events := map[string]bool{}
	for _, ex := range examples {
		events[ex.Event] = true
	}
	if len(examples) < 500 || len(events) < 50 {
		t.Fatalf("%d examples of %d events: the tarball is not the whole package", len(examples), len(events))
	}
	for _, ex := range examples {
		t.Run(ex.Name, func(t *testing.T) {
			t.Parallel()
			q := &queue{}
			reg := prometheus.NewRegistry()
			h := webhook.NewGitHub([]byte(secret), q, webhook.WithMetrics(reg))
			w := serve(h, request(ex.Event, ex.Body))
			if w.Code < 200 || w.Code > 299 {
				t.Errorf("signed: answer = %d %q, want 2xx", w.Code, w.Body)
			}
			if (w.Code == http.StatusAccepted) != (q.len() == 1) {
				t.Errorf("signed: answer = %d, enqueued %d", w.Code, q.len())
			}

			r := request(ex.Event, ex.Body)
			r.Header.Del("X-Hub-Signature-256")
			if w := serve(h, r); w.Code != http.StatusUnauthorized {
				t.Errorf("unsigned: answer = %d %q, want 401", w.Code, w.Body)
			}
			if q.len() > 1 {
				t.Errorf("unsigned: enqueued %+v", q.events[1:])
			}
		})
	}
}

// TestGitHubExamplesDecode checks the events dip acts on against the
// examples' own fields: each delivery that is enqueued carries the
// payload's commit, repository, installation and pull request, and every
// kind of event dip acts on occurs among the examples.
func TestGitHubExamplesDecode(t *testing.T) {
	kinds := map[vcs.EventKind]int{}
	for _, ex := range webhook.OctokitExamples(t) {
		q := &queue{}
		h := webhook.NewGitHub([]byte(secret), q)
		w := serve(h, request(ex.Event, ex.Body))
		var p map[string]any
		if err := json.Unmarshal(ex.Body, &p); err != nil {
			t.Fatal(err)
		}
		want := actedOn(ex.Event, p)
		if got := q.len() == 1; got != want {
			t.Errorf("%s: enqueued = %v (answer %d %q), want %v", ex.Name, got, w.Code, w.Body, want)
			continue
		}
		if !want {
			continue
		}
		ev := q.events[0]
		kinds[ev.Kind]++
		check := func(field string, got, want any) {
			if got != want {
				t.Errorf("%s: %s = %v, want %v", ex.Name, field, got, want)
			}
		}
		check("delivery id", ev.DeliveryID, deliveryID)
		check("installation", ev.Repo.Installation, int64(num(p, "installation", "id")))
		if ev.Kind != vcs.EventInstallation {
			check("repo id", ev.Repo.ID, int64(num(p, "repository", "id")))
			check("repo", ev.Repo.FullName(), str(p, "repository", "full_name"))
		}
		switch ex.Event {
		case "pull_request":
			check("sha", ev.SHA, str(p, "pull_request", "head", "sha"))
			check("base sha", ev.BaseSHA, str(p, "pull_request", "base", "sha"))
			check("number", ev.PullRequest.Number, int(num(p, "pull_request", "number")))
			check("base ref", ev.PullRequest.BaseRef, str(p, "pull_request", "base", "ref"))
			check("author", ev.PullRequest.Author, str(p, "pull_request", "user", "login"))
		case "check_suite":
			check("sha", ev.SHA, str(p, "check_suite", "head_sha"))
		case "check_run":
			check("sha", ev.SHA, str(p, "check_run", "head_sha"))
			check("check run id", ev.CheckRunID, int64(num(p, "check_run", "id")))
		case "merge_group":
			check("sha", ev.SHA, str(p, "merge_group", "head_sha"))
			check("base sha", ev.BaseSHA, str(p, "merge_group", "base_sha"))
			check("ref", ev.Ref, str(p, "merge_group", "head_ref"))
		case "push":
			check("sha", ev.SHA, str(p, "after"))
			check("ref", "refs/heads/"+ev.Ref, str(p, "ref"))
		case "installation", "installation_repositories":
			var list []any
			switch ex.Action {
			case "created":
				list, _ = p["repositories"].([]any)
			case "added":
				list, _ = p["repositories_added"].([]any)
			}
			check("repositories", len(ev.Repos), len(list))
		}
	}
	for _, k := range []vcs.EventKind{vcs.EventCheck, vcs.EventMergeGroup, vcs.EventPush, vcs.EventInstallation} {
		if kinds[k] == 0 {
			t.Errorf("no example is acted on as %s", k)
		}
	}
}

// actedOn says, from the payload's own fields, whether dip acts on it:
// only deliveries to an installation of the App, of the events and
// actions that ask for checks or renders.
func actedOn(event string, p map[string]any) bool {
	if num(p, "installation", "id") == 0 {
		return false
	}
	action := str(p, "action")
	switch event {
	case "pull_request":
		switch action {
		case "opened", "synchronize", "reopened", "ready_for_review":
			return true
		case "edited":
			return get(p, "changes", "base") != nil
		}
	case "check_suite":
		return action == "requested" || action == "rerequested"
	case "check_run":
		return action == "rerequested"
	case "merge_group":
		return action == "checks_requested"
	case "push":
		branch := str(p, "repository", "default_branch")
		return branch != "" && str(p, "ref") == "refs/heads/"+branch && p["deleted"] != true
	case "installation", "installation_repositories":
		return true
	}
	return false
}

func get(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

func str(v any, keys ...string) string {
	s, _ := get(v, keys...).(string)
	return s
}

func num(v any, keys ...string) float64 {
	n, _ := get(v, keys...).(float64)
	return n
}
