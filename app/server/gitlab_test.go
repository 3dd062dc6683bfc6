package server_test

import (
	"bytes"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dipdev/dip/app/server"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/gitlab/gitlabtest"
)

// A "dip recheck" note checks the merge request's head again, when a
// member of the project wrote it; anyone else's is ignored.
func TestGitLabRecheck(t *testing.T) {
	t.Parallel()
	f := newGitLab(t, "testdata/small")
	d := f.start(dipOptions{})
	e := f.env()
	sha := e.remote.commit("recheck", "Add a queue", map[string]string{"requests/payments/refunds.yaml": smallQueue})
	f.open(d, 6, "recheck", sha, false, newDeliveryID())
	waitForChecks(t, f, sha, time.Minute)
	statuses := len(f.gl.Statuses(owner+"/"+repoName, sha))

	f.gl.AddMember(owner+"/"+repoName, "bob", gitlabtest.Developer)
	f.gl.AddUser("mallory")
	if got := deliverGitLab(t, d, "Note Hook", newDeliveryID(), f.noteHook(6, "recheck", sha, "mallory", "dip recheck")); got != http.StatusAccepted {
		t.Fatalf("note answered %d", got)
	}
	waitFor(t, time.Minute, "the non-member's command to be worked", func() bool {
		return strings.Contains(d.logs.String(), "not a member of the repository")
	})
	if n := len(f.gl.Statuses(owner+"/"+repoName, sha)); n != statuses {
		t.Fatalf("a non-member's recheck set %d more statuses", n-statuses)
	}
	if got := deliverGitLab(t, d, "Note Hook", newDeliveryID(), f.noteHook(6, "recheck", sha, "bob", "  dip recheck\n")); got != http.StatusAccepted {
		t.Fatalf("note answered %d", got)
	}
	waitFor(t, time.Minute, "a second round of statuses", func() bool {
		return countLines(d.logs.String(), `"msg":"checks completed"`) == 2
	})
	if n := len(f.gl.Statuses(owner+"/"+repoName, sha)); n != 2*statuses {
		t.Errorf("%d statuses after the recheck, want %d", n, 2*statuses)
	}
	if dup := f.duplicates(6, sha); dup != "" {
		t.Errorf("made twice: %s", dup)
	}
}

// A push that fixes a finding resolves its thread, edits the one report
// note, and turns the status green.
func TestGitLabThreadsFollowPushes(t *testing.T) {
	t.Parallel()
	f := newGitLab(t, "../../platform-repo-template")
	d := f.start(dipOptions{})
	e := f.env()
	e.remote.checkout("main")
	bad := e.remote.commit("fix", "Add a queue", map[string]string{"requests/payments/refunds-plain.yaml": unencrypted})
	f.open(d, 8, "fix", bad, false, newDeliveryID())
	if c := waitForChecks(t, f, bad, time.Minute)["dip/policy"]; c.conclusion != "failure" {
		t.Fatalf("dip/policy %q", c.conclusion)
	}
	if ps := f.findings(8, bad); len(ps) == 0 {
		t.Fatal("no thread for the violation")
	}
	good := e.remote.commit("fix", "Encrypt it", map[string]string{"requests/payments/refunds-plain.yaml": strings.Replace(unencrypted, "encrypted: false", "encrypted: true", 1)})
	update := f.mergeRequestHook(8, "fix", good, "update", false)
	update["object_attributes"].(map[string]any)["oldrev"] = bad
	if got := deliverGitLab(t, d, "Merge Request Hook", newDeliveryID(), update); got != http.StatusAccepted {
		t.Fatalf("update answered %d", got)
	}
	if c := waitForChecks(t, f, good, time.Minute)["dip/policy"]; c.conclusion != "success" {
		t.Fatalf("dip/policy %q after the fix", c.conclusion)
	}
	if ps := f.findings(8, good); len(ps) != 0 {
		t.Errorf("open threads after the fix: %+v", ps)
	}
	if dup := f.duplicates(8, good); dup != "" {
		t.Errorf("made twice: %s", dup)
	}
	reports := 0
	for _, n := range f.gl.Notes(owner+"/"+repoName, 8) {
		if strings.HasPrefix(n.Body, "<!-- dip:report -->") {
			reports++
			if n.Edits == 0 || !strings.Contains(n.Body, good) {
				t.Errorf("the report note was not edited for the new head: %d edits", n.Edits)
			}
		}
	}
	if reports != 1 {
		t.Errorf("%d report notes, want 1", reports)
	}
	// A title change is no reason to check again.
	if got := deliverGitLab(t, d, "Merge Request Hook", newDeliveryID(), f.mergeRequestHook(8, "fix", good, "update", false)); got != http.StatusOK {
		t.Errorf("a title-only update answered %d, want 200", got)
	}
}

// dip serve with GitHub and GitLab at once checks each host's changes on
// that host, and its sweep covers both.
func TestBothHostsInOneServer(t *testing.T) {
	t.Parallel()
	gl := newGitLab(t, "testdata/small")
	e := gl.env()
	d := e.start(dipOptions{reconcile: time.Hour, config: gl.configure})
	sha := e.remote.commit("both", "Add a queue", map[string]string{"requests/payments/refunds.yaml": smallQueue})
	gh := githubForge{e}
	if got := gh.open(d, 2, "both", sha, false, "github-1"); got != http.StatusAccepted {
		t.Fatalf("github delivery answered %d", got)
	}
	if got := gl.open(d, 3, "both", sha, false, newDeliveryID()); got != http.StatusAccepted {
		t.Fatalf("gitlab delivery answered %d", got)
	}
	for _, f := range []forge{gh, gl} {
		for name, c := range waitForChecks(t, f, sha, time.Minute) {
			if c.conclusion != "success" {
				t.Errorf("%s: %s concluded %q", f.name(), name, c.conclusion)
			}
		}
	}
	waitFor(t, time.Minute, "the sweep over both hosts", func() bool {
		return strings.Contains(d.logs.String(), `"msg":"reconcile sweep done","repositories":2`)
	})
}

// The sweep at start-up finds a merge request whose webhook was lost and
// a merge never rendered, in projects with dip's webhook, and leaves a
// checked merge request alone.
func TestGitLabReconcile(t *testing.T) {
	t.Parallel()
	f := newGitLab(t, "testdata/small")
	e := f.env()
	lost := e.remote.commit("lost", "Add a queue", map[string]string{"requests/payments/refunds.yaml": smallQueue})
	f.gl.AddMergeRequest(owner+"/"+repoName, gitlabtest.MergeRequest{IID: 8, Author: "dev8", SourceBranch: "lost"})
	e.remote.checkout("main")
	done := e.remote.commit("done", "Add another queue", map[string]string{"requests/payments/returns.yaml": replaceName(smallQueue, "returns")})
	f.gl.AddMergeRequest(owner+"/"+repoName, gitlabtest.MergeRequest{IID: 9, Author: "dev9", SourceBranch: "done"})
	status := func(name string) {
		req, _ := http.NewRequest(http.MethodPost, f.gl.URL()+"/api/v4/projects/"+strings.ReplaceAll(owner+"/"+repoName, "/", "%2F")+"/statuses/"+done,
			strings.NewReader(`{"state":"success","name":"`+name+`","ref":"done"}`))
		req.Header.Set("PRIVATE-TOKEN", f.gl.Token())
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("status %s: %v %v", name, resp, err)
		}
		resp.Body.Close()
	}
	for _, name := range []string{"dip/validate", "dip/policy", "dip/scan", "dip/render"} {
		status(name)
	}
	writes := f.checkWrites()
	// A project without dip's webhook is none of dip's business.
	f.gl.AddProject(vcs.Repo{Owner: owner, Name: "elsewhere"})
	f.start(dipOptions{reconcile: time.Hour})
	waitForChecks(t, f, lost, time.Minute)
	waitFor(t, time.Minute, "the output branch", func() bool { return e.remote.hasBranch("rendered") })
	if n := f.checkWrites() - writes; n != 8 {
		t.Errorf("%d statuses set, want 8: the checked merge request was checked again", n)
	}
}

// A self-managed GitLab under a relative URL, /gitlab, serves the API and
// the repositories there.
func TestGitLabPathPrefix(t *testing.T) {
	t.Parallel()
	f := newGitLab(t, "testdata/small", gitlabtest.WithPathPrefix("/gitlab"))
	if !strings.HasSuffix(f.gl.URL(), "/gitlab") || !strings.Contains(f.project.CloneURL, "/gitlab/acme/platform.git") {
		t.Fatalf("URL %s, clone URL %s", f.gl.URL(), f.project.CloneURL)
	}
	d := f.start(dipOptions{})
	sha := f.env().remote.commit("prefix", "Add a queue", map[string]string{"requests/payments/refunds.yaml": smallQueue})
	f.open(d, 2, "prefix", sha, false, newDeliveryID())
	for name, c := range waitForChecks(t, f, sha, time.Minute) {
		if c.conclusion != "success" {
			t.Errorf("%s concluded %q", name, c.conclusion)
		}
	}
}

// The token is sent to git as a password, never written into the clone
// or logged.
func TestGitLabTokenNotOnDisk(t *testing.T) {
	t.Parallel()
	f := newGitLab(t, "testdata/small")
	cache := t.TempDir()
	d := f.start(dipOptions{cacheDir: cache})
	sha := f.env().remote.commit("token", "Add a queue", map[string]string{"requests/payments/refunds.yaml": smallQueue})
	f.open(d, 2, "token", sha, false, newDeliveryID())
	waitForChecks(t, f, sha, time.Minute)
	files := 0
	err := filepath.WalkDir(cache, func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, []byte(f.gl.Token())) {
			t.Errorf("%s holds the token", p)
		}
		return err
	})
	if err != nil || files == 0 {
		t.Fatalf("walk %d files of the cache: %v", files, err)
	}
	noSecretsLogged(t, d, f.gl.Token(), gitlabSecret)
}

// GitLab alone needs its token and secret, and nothing of GitHub.
func TestGitLabOnlyConfig(t *testing.T) {
	t.Parallel()
	f := newGitLab(t, "testdata/small")
	for name, c := range map[string]func(*server.Config){
		"no token":  func(c *server.Config) { c.GitLabToken = "" },
		"no secret": func(c *server.Config) { c.GitLabWebhookSecret = nil },
	} {
		cfg := server.Config{CacheDir: t.TempDir(), Bundle: os.DirFS(".")}
		f.configure(&cfg)
		c(&cfg)
		if err := server.Run(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "GitLab") {
			t.Errorf("%s: %v", name, err)
		}
	}
	cfg := server.Config{CacheDir: t.TempDir(), Bundle: os.DirFS(".")}
	if err := server.Run(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "no code host") {
		t.Errorf("no host: %v", err)
	}
}
