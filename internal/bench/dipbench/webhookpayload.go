package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// signedBody is a delivery's body and its X-Hub-Signature-256.
type signedBody struct {
	body      []byte
	signature string
}

// pullRequestBodies returns n signed pull_request "synchronize" payloads,
// each a new head commit of one of 500 pull requests, shaped and sized as
// GitHub sends them.
func pullRequestBodies(n int) []signedBody {
	out := make([]signedBody, n)
	for i := range out {
		var sha [20]byte
		_, _ = rand.Read(sha[:])
		body, err := json.Marshal(pullRequestPayload(i%500+1, hex.EncodeToString(sha[:])))
		if err != nil {
			panic(err)
		}
		mac := hmac.New(sha256.New, []byte(benchSecret))
		mac.Write(body)
		out[i] = signedBody{body: body, signature: "sha256=" + hex.EncodeToString(mac.Sum(nil))}
	}
	return out
}

type obj = map[string]any

func pullRequestPayload(number int, head string) obj {
	const base = "9049f1265b7d61be4a8904a9a27120d2064dab3b"
	org, alice := ghUser("acme", 9919, "Organization"), ghUser("alice", 583231, "User")
	repo := ghRepo()
	prURL := fmt.Sprintf("https://api.github.com/repos/acme/platform/pulls/%d", number)
	htmlURL := fmt.Sprintf("https://github.com/acme/platform/pull/%d", number)
	issueURL := fmt.Sprintf("https://api.github.com/repos/acme/platform/issues/%d", number)
	return obj{
		"action": "synchronize",
		"number": number,
		"before": base,
		"after":  head,
		"pull_request": obj{
			"url": prURL, "id": 2000000000 + number, "node_id": fmt.Sprintf("PR_kwDOJ%d", number),
			"html_url": htmlURL, "diff_url": htmlURL + ".diff", "patch_url": htmlURL + ".patch",
			"issue_url": issueURL, "commits_url": prURL + "/commits", "review_comments_url": prURL + "/comments",
			"review_comment_url": "https://api.github.com/repos/acme/platform/pulls/comments{/number}",
			"comments_url":       issueURL + "/comments", "statuses_url": "https://api.github.com/repos/acme/platform/statuses/" + head,
			"number": number, "state": "open", "locked": false, "title": "Add team payments namespace",
			"user": alice, "body": "Adds the payments team's namespace and quota.\n\nRequested in PLAT-1234.",
			"created_at": "2026-07-01T10:20:31Z", "updated_at": "2026-07-01T10:20:31Z",
			"closed_at": nil, "merged_at": nil, "merge_commit_sha": nil,
			"assignee": nil, "assignees": []any{}, "requested_reviewers": []any{}, "requested_teams": []any{},
			"labels": []any{}, "milestone": nil, "draft": false,
			"head":               obj{"label": "acme:add-team-payments", "ref": "add-team-payments", "sha": head, "user": alice, "repo": repo},
			"base":               obj{"label": "acme:main", "ref": "main", "sha": base, "user": org, "repo": repo},
			"author_association": "MEMBER", "auto_merge": nil, "active_lock_reason": nil,
			"merged": false, "mergeable": nil, "rebaseable": nil, "mergeable_state": "unknown", "merged_by": nil,
			"comments": 0, "review_comments": 0, "maintainer_can_modify": false,
			"commits": 2, "additions": 24, "deletions": 0, "changed_files": 1,
		},
		"repository":   repo,
		"organization": obj{"login": "acme", "id": 9919, "node_id": "O_kgDO", "url": "https://api.github.com/orgs/acme"},
		"sender":       alice,
		"installation": obj{"id": 48151623, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDgxNTE2MjM="},
	}
}

func ghUser(login string, id int, typ string) obj {
	u := "https://api.github.com/users/" + login
	return obj{
		"login": login, "id": id, "node_id": fmt.Sprintf("MDQ6VXNlcj%d", id),
		"avatar_url": fmt.Sprintf("https://avatars.githubusercontent.com/u/%d?v=4", id), "gravatar_id": "",
		"url": u, "html_url": "https://github.com/" + login, "followers_url": u + "/followers",
		"repos_url": u + "/repos", "events_url": u + "/events{/privacy}", "type": typ, "site_admin": false,
	}
}

func ghRepo() obj {
	const api = "https://api.github.com/repos/acme/platform"
	r := obj{
		"id": 618033988, "node_id": "R_kgDOJ618033988", "name": "platform", "full_name": "acme/platform",
		"private": true, "owner": ghUser("acme", 9919, "Organization"), "html_url": "https://github.com/acme/platform",
		"description": "Platform requests", "fork": false, "url": api,
		"created_at": "2025-01-14T09:12:44Z", "updated_at": "2026-06-30T08:01:02Z", "pushed_at": "2026-07-01T10:20:31Z",
		"git_url": "git://github.com/acme/platform.git", "ssh_url": "git@github.com:acme/platform.git",
		"clone_url": "https://github.com/acme/platform.git", "homepage": nil, "size": 412, "stargazers_count": 0,
		"watchers_count": 0, "language": "HCL", "has_issues": true, "has_projects": false, "has_wiki": false,
		"forks_count": 1, "archived": false, "disabled": false, "open_issues_count": 3, "license": nil,
		"topics": []any{}, "visibility": "private", "forks": 1, "open_issues": 3, "watchers": 0,
		"default_branch": "main", "allow_squash_merge": true, "allow_merge_commit": false, "allow_rebase_merge": false,
		"allow_auto_merge": false, "delete_branch_on_merge": true,
	}
	for _, u := range []string{"forks", "keys{/key_id}", "collaborators{/collaborator}", "teams", "hooks",
		"issues/events{/number}", "events", "assignees{/user}", "branches{/branch}", "tags", "blobs{/sha}",
		"git/tags{/sha}", "git/refs{/sha}", "git/trees{/sha}", "statuses/{sha}", "languages", "stargazers",
		"contributors", "subscribers", "subscription", "commits{/sha}", "git/commits{/sha}", "comments{/number}",
		"issues/comments{/number}", "contents/{+path}", "compare/{base}...{head}", "merges", "{archive_format}{/ref}",
		"downloads", "issues{/number}", "pulls{/number}", "milestones{/number}", "notifications{?since,all,participating}",
		"labels{/name}", "releases{/id}", "deployments"} {
		name, _, _ := strings.Cut(u, "{")
		name = strings.ReplaceAll(strings.TrimSuffix(name, "/"), "/", "_")
		if name == "" {
			name = "archive"
		}
		r[name+"_url"] = api + "/" + u
	}
	return r
}
