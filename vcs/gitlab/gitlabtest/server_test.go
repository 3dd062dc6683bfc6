package gitlabtest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/gitlab/gitlabtest"
	"github.com/dipdev/dip/vcs/internal/fakehost"
)

// call sends an API request with the server's token in PRIVATE-TOKEN, or
// with auth as the whole Authorization header when not empty ("-" for
// none), and decodes a JSON answer into out when not nil.
func call(t *testing.T, s *gitlabtest.Server, method, path, auth, body string, out any) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+"/api/v4"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	switch auth {
	case "":
		req.Header.Set("PRIVATE-TOKEN", s.Token())
	case "-":
	default:
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	resp.Body = io.NopCloser(strings.NewReader(string(b)))
	return resp
}

func bodyOf(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestUnexpectedRequestFailsTest(t *testing.T) {
	tb := &fakehost.RecordingTB{TB: t}
	s := gitlabtest.New(tb)
	if resp := call(t, s, http.MethodGet, "/projects/1/pipelines", "", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("status %d, want 404", resp.StatusCode)
	}
	if resp, err := s.Client().Get(s.URL() + "/acme/unknown.git/info/refs"); err == nil {
		resp.Body.Close()
	}
	errs := tb.Errors()
	if len(errs) != 2 || !strings.Contains(errs[0], "GET /api/v4/projects/1/pipelines") || !strings.Contains(errs[1], "/acme/unknown.git") {
		t.Errorf("errors = %q", errs)
	}
}

func TestAuthentication(t *testing.T) {
	s := gitlabtest.New(t, gitlabtest.WithPathPrefix("/gitlab"))
	for _, tc := range []struct {
		name, auth string
		want       int
	}{
		{"private token", "", http.StatusOK},
		{"bearer", "Bearer " + s.Token(), http.StatusOK},
		{"wrong bearer", "Bearer glpat-wrong", http.StatusUnauthorized},
		{"basic", "Basic b2F1dGgyOmdscGF0", http.StatusUnauthorized},
		{"none", "-", http.StatusUnauthorized},
	} {
		resp := call(t, s, http.MethodGet, "/user", tc.auth, "", nil)
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, bodyOf(resp), tc.want)
		}
	}
	if !strings.HasSuffix(s.URL(), "/gitlab") {
		t.Errorf("URL %s lacks the prefix", s.URL())
	}
	if n := s.CountRequests(http.MethodGet, "/user"); n != 5 {
		t.Errorf("%d requests counted, want 5", n)
	}
}

func TestPagination(t *testing.T) {
	s := gitlabtest.New(t, gitlabtest.WithPageSize(2))
	for i := range 5 {
		s.AddProject(vcs.Repo{Owner: "acme", Name: fmt.Sprintf("p%d", i)})
	}
	var got []string
	for page := 1; ; page++ {
		var list []struct {
			Path string `json:"path"`
		}
		resp := call(t, s, http.MethodGet, fmt.Sprintf("/projects?membership=true&per_page=100&page=%d", page), "", "", &list)
		for _, p := range list {
			got = append(got, p.Path)
		}
		if resp.Header.Get("X-Total") != "5" || resp.Header.Get("X-Total-Pages") != "3" || resp.Header.Get("X-Per-Page") != "2" {
			t.Errorf("page %d headers %v", page, resp.Header)
		}
		next := resp.Header.Get("X-Next-Page")
		if (next != "") != strings.Contains(resp.Header.Get("Link"), `rel="next"`) {
			t.Errorf("page %d: X-Next-Page %q and Link %q disagree", page, next, resp.Header.Get("Link"))
		}
		if next == "" {
			break
		}
	}
	if strings.Join(got, ",") != "p0,p1,p2,p3,p4" {
		t.Errorf("projects %v", got)
	}
}

func TestRateLimitAndThrottle(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	s := gitlabtest.New(t, gitlabtest.WithClock(func() time.Time { return now }))
	resp := call(t, s, http.MethodGet, "/user", "", "", nil)
	if resp.Header.Get("RateLimit-Limit") != "2000" || resp.Header.Get("RateLimit-Remaining") != "1999" || resp.Header.Get("RateLimit-Reset") == "" {
		t.Errorf("rate limit headers %v", resp.Header)
	}
	s.SetRateLimit(0, now.Add(30*time.Second))
	resp = call(t, s, http.MethodGet, "/user", "", "", nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "30" {
		t.Errorf("no requests left: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	s.SetRateLimit(100, now.Add(time.Minute))
	s.Throttle(1, 7*time.Second)
	resp = call(t, s, http.MethodGet, "/user", "", "", nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "7" || bodyOf(resp) != "Retry later\n" {
		t.Errorf("throttled: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if resp := call(t, s, http.MethodGet, "/user", "", "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("after the throttle: %d", resp.StatusCode)
	}
}

func TestFaults(t *testing.T) {
	s := gitlabtest.New(t)
	repo := s.AddProject(vcs.Repo{Owner: "acme", Name: "platform"})
	iid := s.AddMergeRequest("acme/platform", gitlabtest.MergeRequest{Author: "alice", SourceBranch: "x", SHA: strings.Repeat("a", 40)})
	path := fmt.Sprintf("/projects/%d/merge_requests/%d/notes", repo.ID, iid)
	s.FailNext(http.MethodPost, "/projects/", http.StatusBadGateway, 1)
	if resp := call(t, s, http.MethodPost, path, "", `{"body":"one"}`, nil); resp.StatusCode != http.StatusBadGateway {
		t.Errorf("status %d, want 502", resp.StatusCode)
	}
	s.FailNextAfterHandling(http.MethodPost, "/projects/", http.StatusGatewayTimeout, 1)
	if resp := call(t, s, http.MethodPost, path, "", `{"body":"two"}`, nil); resp.StatusCode != http.StatusGatewayTimeout {
		t.Errorf("status %d, want 504", resp.StatusCode)
	}
	notes := s.Notes("acme/platform", iid)
	if len(notes) != 1 || notes[0].Body != "two" {
		t.Errorf("notes %+v: want only the one handled before its answer was lost", notes)
	}
}

func TestStatusStateMachine(t *testing.T) {
	s := gitlabtest.New(t)
	repo := s.AddProject(vcs.Repo{Owner: "acme", Name: "platform"})
	sha := strings.Repeat("b", 40)
	post := func(body string) (*http.Response, map[string]any) {
		var out map[string]any
		resp := call(t, s, http.MethodPost, fmt.Sprintf("/projects/%d/statuses/%s", repo.ID, sha), "", body, nil)
		json.Unmarshal([]byte(bodyOf(resp)), &out)
		return resp, out
	}
	_, first := post(`{"state":"running","name":"dip/validate","ref":"main"}`)
	if resp, out := post(`{"state":"running","name":"dip/validate","ref":"main"}`); resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(fmt.Sprint(out["message"]), "Cannot transition status via :run from :running") {
		t.Errorf("running again: %d %v", resp.StatusCode, out)
	}
	if _, done := post(`{"state":"success","name":"dip/validate","ref":"main","description":"ok"}`); done["id"] != first["id"] {
		t.Errorf("a running status that succeeds is not updated in place: %v then %v", first["id"], done["id"])
	}
	if _, again := post(`{"state":"running","name":"dip/validate","ref":"main"}`); again["id"] == first["id"] {
		t.Error("a finished status is not followed by a new one")
	}
	if resp, _ := post(`{"state":"success","name":"dip/validate","description":"` + strings.Repeat("x", 256) + `"}`); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("long description: %d, want 400", resp.StatusCode)
	}
	if resp, _ := post(`{"state":"passed","name":"dip/validate"}`); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown state: %d, want 400", resp.StatusCode)
	}
	var latest []map[string]any
	call(t, s, http.MethodGet, fmt.Sprintf("/projects/acme%%2Fplatform/repository/commits/%s/statuses", sha), "", "", &latest)
	if len(latest) != 1 || latest[0]["status"] != "running" {
		t.Errorf("latest statuses %v", latest)
	}
	if all := s.Statuses("acme/platform", sha); len(all) != 2 {
		t.Errorf("%d statuses, want 2", len(all))
	}
}

// served is a project with a real repository: main with a request, and a
// merge request changing it on branch change.
func served(t *testing.T, s *gitlabtest.Server) (vcs.Repo, *gitlabtest.Repo, int) {
	t.Helper()
	repo := s.AddProject(vcs.Repo{Owner: "acme/infra", Name: "platform"})
	r := gitlabtest.NewRepo(t)
	r.Commit("main", "Start", map[string]string{"requests/a.yaml": "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n"})
	r.Commit("change", "Change", map[string]string{"requests/a.yaml": "one\ntwo\nthree\nFOUR\nfive\nsix\nseven\neight\nnine\n", "requests/b.yaml": "new\n"})
	s.ServeGit("acme/infra/platform", r.Bare)
	iid := s.AddMergeRequest("acme/infra/platform", gitlabtest.MergeRequest{Author: "alice", SourceBranch: "change", Title: "Change"})
	return repo, r, iid
}

func TestGitOverHTTP(t *testing.T) {
	s := gitlabtest.New(t, gitlabtest.WithPathPrefix("/gitlab"))
	repo, r, iid := served(t, s)
	head := r.Git(r.Work, "rev-parse", "change")
	clone := t.TempDir()
	authed := strings.Replace(repo.CloneURL, "http://", "http://oauth2:"+s.Token()+"@", 1)
	r.Git(clone, "init", "-q", "--bare")
	r.Git(clone, "fetch", "-q", authed, fmt.Sprintf("refs/merge-requests/%d/head:refs/mr", iid))
	if got := r.Git(clone, "rev-parse", "refs/mr"); got != head {
		t.Errorf("refs/merge-requests/%d/head = %s, want %s", iid, got, head)
	}
	// A new push moves the merge request's ref before the next fetch.
	r.Checkout("change")
	next := r.Commit("change", "More", map[string]string{"requests/c.yaml": "c\n"})
	r.Git(clone, "fetch", "-q", authed, fmt.Sprintf("+refs/merge-requests/%d/head:refs/mr", iid))
	if got := r.Git(clone, "rev-parse", "refs/mr"); got != next {
		t.Errorf("after a push: %s, want %s", got, next)
	}
	wrong := strings.Replace(repo.CloneURL, "http://", "http://someone:"+s.Token()+"@", 1)
	cmd := exec.Command("git", "ls-remote", wrong)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("ls-remote as someone else worked: %s", out)
	}
	r.Git(clone, "push", "-q", authed, next+":refs/heads/rendered")
	if s.Pushes("acme/infra/platform") != 1 {
		t.Errorf("%d pushes, want 1", s.Pushes("acme/infra/platform"))
	}
}

func TestDiffsAndPositions(t *testing.T) {
	s := gitlabtest.New(t)
	repo, _, iid := served(t, s)
	var mr struct {
		SHA      string `json:"sha"`
		DiffRefs struct {
			BaseSHA  string `json:"base_sha"`
			StartSHA string `json:"start_sha"`
			HeadSHA  string `json:"head_sha"`
		} `json:"diff_refs"`
	}
	call(t, s, http.MethodGet, fmt.Sprintf("/projects/%d/merge_requests/%d", repo.ID, iid), "", "", &mr)
	var diffs []struct {
		NewPath string `json:"new_path"`
		NewFile bool   `json:"new_file"`
		Diff    string `json:"diff"`
	}
	call(t, s, http.MethodGet, fmt.Sprintf("/projects/%d/merge_requests/%d/diffs", repo.ID, iid), "", "", &diffs)
	if len(diffs) != 2 || diffs[0].NewPath != "requests/a.yaml" || !strings.HasPrefix(diffs[0].Diff, "@@ -1,8 +1,9 @@") || !diffs[1].NewFile {
		t.Fatalf("diffs %+v", diffs)
	}
	refs := fmt.Sprintf(`"base_sha":%q,"start_sha":%q,"head_sha":%q,"position_type":"text","old_path":"requests/a.yaml","new_path":"requests/a.yaml"`,
		mr.DiffRefs.BaseSHA, mr.DiffRefs.StartSHA, mr.DiffRefs.HeadSHA)
	for _, tc := range []struct {
		name, lines string
		want        int
	}{
		{"added line", `"new_line":4`, http.StatusCreated},
		{"context line", `"old_line":3,"new_line":3`, http.StatusCreated},
		{"context line without old_line", `"new_line":3`, http.StatusBadRequest},
		{"line outside the diff", `"new_line":20`, http.StatusBadRequest},
	} {
		body := fmt.Sprintf(`{"body":"finding","position":{%s,%s}}`, refs, tc.lines)
		if resp := call(t, s, http.MethodPost, fmt.Sprintf("/projects/%d/merge_requests/%d/discussions", repo.ID, iid), "", body, nil); resp.StatusCode != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, bodyOf(resp), tc.want)
		}
	}
	ds := s.Discussions("acme/infra/platform", iid)
	if len(ds) != 2 || ds[0].Notes[0].Position == nil || ds[0].Notes[0].Position.NewLine != 4 || !ds[0].Notes[0].Resolvable {
		t.Errorf("discussions %+v", ds)
	}
}

func TestNotesAndThreads(t *testing.T) {
	s := gitlabtest.New(t)
	repo := s.AddProject(vcs.Repo{Owner: "acme", Name: "platform"})
	iid := s.AddMergeRequest("acme/platform", gitlabtest.MergeRequest{Author: "alice", SourceBranch: "x", SHA: strings.Repeat("c", 40)})
	other := s.AddNote("acme/platform", iid, "alice", "looks good")
	base := fmt.Sprintf("/projects/%d/merge_requests/%d", repo.ID, iid)
	if resp := call(t, s, http.MethodPut, fmt.Sprintf("%s/notes/%d", base, other), "", `{"body":"edited"}`, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("editing someone else's note: %d, want 403", resp.StatusCode)
	}
	long := strings.Repeat("x", gitlabtest.MaxNote+1)
	if resp := call(t, s, http.MethodPost, base+"/notes", "", `{"body":"`+long+`"}`, nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a note over the limit: %d, want 400", resp.StatusCode)
	}
	var d struct {
		ID string `json:"id"`
	}
	call(t, s, http.MethodPost, base+"/discussions", "", `{"body":"a finding"}`, &d)
	call(t, s, http.MethodPut, base+"/discussions/"+d.ID, "", `{"resolved":true}`, nil)
	var list []struct {
		ID    string `json:"id"`
		Notes []struct {
			Resolved   bool `json:"resolved"`
			ResolvedBy struct {
				Username string `json:"username"`
			} `json:"resolved_by"`
		} `json:"notes"`
	}
	call(t, s, http.MethodGet, base+"/discussions", "", "", &list)
	if len(list) != 2 || !list[1].Notes[0].Resolved || list[1].Notes[0].ResolvedBy.Username != gitlabtest.BotUsername {
		t.Errorf("discussions %+v", list)
	}
	var notes []struct {
		Body string `json:"body"`
	}
	call(t, s, http.MethodGet, base+"/notes?sort=asc&order_by=created_at", "", "", &notes)
	if len(notes) != 2 || notes[0].Body != "looks good" {
		t.Errorf("notes oldest first %+v", notes)
	}
	call(t, s, http.MethodGet, base+"/notes", "", "", &notes)
	if len(notes) != 2 || notes[0].Body != "a finding" {
		t.Errorf("notes newest first by default %+v", notes)
	}
}

func TestMergeRequestLifecycle(t *testing.T) {
	s := gitlabtest.New(t)
	repo, _, first := served(t, s)
	base := fmt.Sprintf("/projects/%d/merge_requests", repo.ID)
	if resp := call(t, s, http.MethodPost, base, "", `{"title":"Again","source_branch":"change","target_branch":"main"}`, nil); resp.StatusCode != http.StatusConflict ||
		!strings.Contains(bodyOf(resp), fmt.Sprintf("!%d", first)) {
		t.Errorf("a second open merge request of the branch: %d", resp.StatusCode)
	}
	if resp := call(t, s, http.MethodPost, base, "", `{"title":"Gone","source_branch":"nope","target_branch":"main"}`, nil); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a branch that does not exist: %d", resp.StatusCode)
	}
	s.CloseMergeRequest("acme/infra/platform", first)
	var made struct {
		IID    int      `json:"iid"`
		Labels []string `json:"labels"`
		SHA    string   `json:"sha"`
	}
	if resp := call(t, s, http.MethodPost, base, "", `{"title":"Again","source_branch":"change","target_branch":"main","labels":"dip,migration"}`, &made); resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	if made.IID != first+1 || strings.Join(made.Labels, ",") != "dip,migration" || len(made.SHA) != 40 {
		t.Errorf("made %+v", made)
	}
	bob := s.AddUser("bob")
	s.AddMember("acme/infra/platform", "bob", gitlabtest.Developer)
	carol := s.AddUser("carol")
	var edited struct {
		State     string `json:"state"`
		Reviewers []struct {
			Username string `json:"username"`
		} `json:"reviewers"`
	}
	call(t, s, http.MethodPut, fmt.Sprintf("%s/%d", base, made.IID), "", fmt.Sprintf(`{"reviewer_ids":[%d,%d],"state_event":"close"}`, bob, carol), &edited)
	if edited.State != "closed" || len(edited.Reviewers) != 1 || edited.Reviewers[0].Username != "bob" {
		t.Errorf("edited %+v: want closed, bob reviewing and carol (no member) dropped", edited)
	}
}
