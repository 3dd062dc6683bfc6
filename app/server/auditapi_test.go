package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dipdev/dip/vcs/github/githubtest"
)

const auditToken = "audit-secret"

type auditAnswer struct {
	Repository string `json:"repository"`
	Branch     string `json:"branch"`
	Records    []struct {
		Request, Action, Kind, Team string
		Commit                      string `json:"render_commit"`
		Pulls                       []struct {
			Number    int
			Author    string   `json:"requested_by"`
			Approvers []string `json:"approved_by"`
		} `json:"pull_requests"`
		Exceptions []struct{ Policy, Reason, Expires string }
	} `json:"records"`
	Next  string `json:"next_cursor"`
	Error string `json:"error"`
}

// getAudit asks GET /audit with query and token, and decodes the answer.
func getAudit(t *testing.T, d *dip, query url.Values, token string) (int, auditAnswer) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, d.url+"/audit?"+query.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a auditAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil && resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /audit?%s: %d, body not JSON: %v", query.Encode(), resp.StatusCode, err)
	}
	return resp.StatusCode, a
}

// GET /audit serves the records of dip audit from the server's clones,
// for the installations' repositories, to holders of the token.
func TestAuditEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.start(dipOptions{auditToken: auditToken})
	full := owner + "/" + repoName
	d.deliver(t, "push", "push-0", e.pushPayload("0000000000000000000000000000000000000000", e.main))
	waitFor(t, time.Minute, "the output branch", func() bool { return e.remote.hasBranch("rendered") })
	e.remote.checkout("main")
	sha := e.remote.commit("refunds", "Add the refunds queue", map[string]string{"requests/payments/refunds.yaml": validQueue})
	merge := e.remote.merge("refunds", "Merge pull request #21 from acme/refunds")
	e.gh.AddPullRequest(full, vcsPull(21, "alice", sha))
	e.gh.MergePullRequest(full, 21)
	e.gh.MapCommitToPulls(full, merge, 21)
	e.gh.SetReviews(full, 21, githubtest.Review{User: "bob", State: "APPROVED"}, githubtest.Review{User: "dave", State: "APPROVED"})
	d.deliver(t, "push", "push-1", e.pushPayload(e.main, merge))
	waitFor(t, time.Minute, "a second rendered commit", func() bool { return len(e.remote.commits("rendered")) == 2 })

	q := url.Values{"repo": {full}}
	for _, token := range []string{"", "wrong"} {
		if code, _ := getAudit(t, d, q, token); code != http.StatusUnauthorized {
			t.Errorf("token %q: %d, want 401", token, code)
		}
	}
	code, all := getAudit(t, d, q, auditToken)
	if code != http.StatusOK || all.Repository != full || all.Branch != "rendered" {
		t.Fatalf("GET /audit: %d %+v", code, all)
	}
	last := all.Records[len(all.Records)-1]
	if last.Request != "requests/payments/refunds.yaml" || last.Action != "created" || last.Kind != "Queue" ||
		len(last.Pulls) != 1 || last.Pulls[0].Number != 21 || last.Pulls[0].Author != "alice" || strings.Join(last.Pulls[0].Approvers, ",") != "bob,dave" {
		t.Errorf("the merge's record: %+v", last)
	}

	// Pages of two, followed by their cursors, give the same records.
	var paged []string
	page := url.Values{"repo": {full}, "limit": {"2"}}
	for range len(all.Records) {
		code, a := getAudit(t, d, page, auditToken)
		if code != http.StatusOK || len(a.Records) > 2 {
			t.Fatalf("page: %d, %d records", code, len(a.Records))
		}
		for _, r := range a.Records {
			paged = append(paged, r.Commit+" "+r.Request)
		}
		if a.Next == "" {
			break
		}
		page.Set("cursor", a.Next)
	}
	var want []string
	for _, r := range all.Records {
		want = append(want, r.Commit+" "+r.Request)
	}
	if strings.Join(paged, "\n") != strings.Join(want, "\n") {
		t.Errorf("paged records:\n%s\nwant:\n%s", strings.Join(paged, "\n"), strings.Join(want, "\n"))
	}

	// Filters are query parameters.
	_, a := getAudit(t, d, url.Values{"repo": {full}, "team": {"payments"}, "kind": {"queue"}}, auditToken)
	for _, r := range a.Records {
		if r.Team != "payments" || r.Kind != "Queue" {
			t.Errorf("filtered record %+v", r)
		}
	}
	if len(a.Records) == 0 {
		t.Error("no payments queue records")
	}
	for query, status := range map[string]int{
		"repo=acme/unknown":                      http.StatusNotFound,
		"repo=acme/platform&limit=0":             http.StatusBadRequest,
		"repo=acme/platform&limit=1001":          http.StatusBadRequest,
		"repo=acme/platform&since=soon":          http.StatusBadRequest,
		"repo=acme/platform&cursor=bm9wZTpub3Bl": http.StatusBadRequest,
		"team=payments":                          http.StatusBadRequest,
	} {
		v, _ := url.ParseQuery(query)
		if code, a := getAudit(t, d, v, auditToken); code != status || a.Error == "" {
			t.Errorf("GET /audit?%s: %d %q, want %d and an error", query, code, a.Error, status)
		}
	}
	// The installations' repositories are listed once, not per request.
	if n := e.gh.CountRequests(http.MethodGet, "/installation/repositories"); n != 1 {
		t.Errorf("repositories listed %d times for a dozen requests, want 1", n)
	}

	// Another merge rendered: the trail read before, and the new record
	// (read from the commit the render added).
	e.remote.checkout("main")
	sha = e.remote.commit("returns", "Add the returns queue", map[string]string{"requests/payments/returns.yaml": replaceName(validQueue, "returns")})
	next := e.remote.merge("returns", "Merge pull request #22 from acme/returns")
	e.gh.AddPullRequest(full, vcsPull(22, "carol", sha))
	e.gh.MergePullRequest(full, 22)
	e.gh.MapCommitToPulls(full, next, 22)
	d.deliver(t, "push", "push-2", e.pushPayload(merge, next))
	waitFor(t, time.Minute, "a third rendered commit", func() bool { return len(e.remote.commits("rendered")) == 3 })
	var more auditAnswer
	waitFor(t, time.Minute, "the third render in GET /audit", func() bool {
		_, more = getAudit(t, d, q, auditToken)
		return len(more.Records) > len(all.Records)
	})
	var got []string
	for _, r := range more.Records {
		got = append(got, r.Commit+" "+r.Request)
	}
	if len(more.Records) != len(all.Records)+1 || strings.Join(got[:len(want)], "\n") != strings.Join(want, "\n") {
		t.Errorf("records after the third render:\n%s\nwant those before and one more:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if r := more.Records[len(more.Records)-1]; r.Request != "requests/payments/returns.yaml" || r.Action != "created" || len(r.Pulls) != 1 || r.Pulls[0].Number != 22 {
		t.Errorf("the third render's record: %+v", r)
	}
}

// Without DIP_AUDIT_TOKEN there is no GET /audit.
func TestAuditEndpointOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.start(dipOptions{})
	if code, _ := getAudit(t, d, url.Values{"repo": {owner + "/" + repoName}}, "anything"); code != http.StatusNotFound {
		t.Errorf("GET /audit without a token configured: %d, want 404", code)
	}
}
