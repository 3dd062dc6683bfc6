package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// deliveryBodies returns n bodies of host's deliveries.
func deliveryBodies(host string, n int) []signedBody {
	if host == "gitlab" {
		return mergeRequestBodies(n)
	}
	return pullRequestBodies(n)
}

// mergeRequestBodies returns n GitLab Merge Request Hook payloads of an
// update that brought a new head commit to one of 500 merge requests,
// shaped and sized as GitLab's documentation shows them. GitLab does not
// sign its deliveries: the token travels in a header.
func mergeRequestBodies(n int) []signedBody {
	out := make([]signedBody, n)
	for i := range out {
		var sha [20]byte
		_, _ = rand.Read(sha[:])
		body, err := json.Marshal(mergeRequestPayload(i%500+1, hex.EncodeToString(sha[:])))
		if err != nil {
			panic(err)
		}
		out[i] = signedBody{body: body}
	}
	return out
}

func mergeRequestPayload(iid int, head string) obj {
	const old = "9049f1265b7d61be4a8904a9a27120d2064dab3b"
	project := glProject()
	alice := obj{"id": 51, "name": "Alice Dev", "username": "alice", "avatar_url": "https://secure.gravatar.com/avatar/e64c7d89f26bd1972efa854d13d7dd61?s=80&d=identicon", "email": "[REDACTED]"}
	url := fmt.Sprintf("https://gitlab.example/acme/infra/platform/-/merge_requests/%d", iid)
	return obj{
		"object_kind": "merge_request", "event_type": "merge_request", "user": alice, "project": project,
		"repository": obj{"name": "platform", "url": "git@gitlab.example:acme/infra/platform.git", "description": "Platform requests", "homepage": "https://gitlab.example/acme/infra/platform"},
		"object_attributes": obj{
			"id": 90000 + iid, "iid": iid, "target_branch": "main", "source_branch": fmt.Sprintf("add-queue-%d", iid),
			"source_project_id": 42, "author_id": 51, "assignee_ids": []int{51}, "assignee_id": 51, "reviewer_ids": []int{6},
			"title": "Add the refunds queue", "created_at": "2026-07-01T10:20:31Z", "updated_at": "2026-07-01T11:02:10Z",
			"milestone_id": nil, "state": "opened", "blocking_discussions_resolved": true, "work_in_progress": false, "draft": false,
			"first_contribution": false, "merge_status": "unchecked", "target_project_id": 42,
			"description": "Adds a queue for refunds.\n\nRequested in PLAT-1234.", "url": url,
			"source": project, "target": project, "last_edited_at": nil, "last_edited_by_id": nil, "state_id": 1,
			"last_commit": obj{"id": head, "message": "Add the refunds queue\n", "title": "Add the refunds queue",
				"timestamp": "2026-07-01T11:02:09+00:00", "url": "https://gitlab.example/acme/infra/platform/-/commit/" + head,
				"author": obj{"name": "Alice Dev", "email": "[REDACTED]"}},
			"total_time_spent": 0, "time_change": 0, "human_total_time_spent": nil, "human_time_change": nil, "human_time_estimate": nil,
			"labels": []any{}, "action": "update", "oldrev": old, "detailed_merge_status": "checking",
			"head_pipeline_id": nil, "merge_commit_sha": nil, "merge_error": nil, "merge_params": obj{"force_remove_source_branch": "1"},
			"merge_user_id": nil, "merge_when_pipeline_succeeds": false, "time_estimate": 0, "updated_by_id": nil, "system": false,
		},
		"labels":    []any{},
		"changes":   obj{"updated_at": obj{"previous": "2026-07-01 10:20:31 UTC", "current": "2026-07-01 11:02:10 UTC"}},
		"assignees": []any{alice},
		"reviewers": []any{obj{"id": 6, "name": "Bob Reviewer", "username": "bob", "avatar_url": "https://secure.gravatar.com/avatar/a5?s=80&d=identicon"}},
	}
}

func glProject() obj {
	return obj{
		"id": 42, "name": "platform", "description": "Platform requests", "web_url": "https://gitlab.example/acme/infra/platform",
		"avatar_url": nil, "git_ssh_url": "git@gitlab.example:acme/infra/platform.git", "git_http_url": "https://gitlab.example/acme/infra/platform.git",
		"namespace": "infra", "visibility_level": 0, "path_with_namespace": "acme/infra/platform", "default_branch": "main",
		"ci_config_path": "", "homepage": "https://gitlab.example/acme/infra/platform", "url": "git@gitlab.example:acme/infra/platform.git",
		"ssh_url": "git@gitlab.example:acme/infra/platform.git", "http_url": "https://gitlab.example/acme/infra/platform.git",
	}
}
