package server_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dipdev/dip/app/server"
	"github.com/dipdev/dip/internal/gittest"
	policybundle "github.com/dipdev/dip/policy-bundle"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/github/githubtest"
)

const (
	owner    = "acme"
	repoName = "platform"
	secret   = "webhook-secret"
	// gitBackend serves real repositories over smart HTTP.
	gitBackend = "/usr/lib/git-core/git-http-backend"
)

// remote is a real bare repository served over smart HTTP by git
// http-backend, with a work tree beside it that tests commit in.
type remote struct {
	t    testing.TB
	repo *gittest.Repo
	root string // GIT_PROJECT_ROOT
	bare string
	work string
	// pushes counts receive-pack requests by whoever fetched with a token;
	// refs lists the refs pushed to by them.
	pushes atomic.Int64
	mu     sync.Mutex
	auths  []string
	// hook, when set, sees each request before it is served.
	hook func(req *http.Request)
}

// setHook makes hook see each request before it is served; nil for none.
func (r *remote) setHook(hook func(req *http.Request)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hook = hook
}

func newRemote(t testing.TB) *remote {
	t.Helper()
	if _, err := os.Stat(gitBackend); err != nil {
		t.Skipf("git http-backend not installed: %v", err)
	}
	g := gittest.New(t, owner+"/"+repoName+".git")
	r := &remote{t: t, repo: g, root: g.Root, bare: g.Bare, work: g.Work}
	r.git(r.bare, "config", "http.receivepack", "true")
	return r
}

// git runs git in dir and returns its trimmed output.
func (r *remote) git(dir string, args ...string) string {
	r.t.Helper()
	return r.repo.Git(dir, args...)
}

// seed copies dir into the work tree.
func (r *remote) seed(dir string) {
	r.t.Helper()
	if err := os.CopyFS(r.work, os.DirFS(dir)); err != nil {
		r.t.Fatal(err)
	}
}

// write sets files of the work tree; an empty content removes the file.
func (r *remote) write(files map[string]string) {
	r.t.Helper()
	r.repo.Write(files)
}

// commit commits everything in the work tree on branch (created from the
// current commit when new), pushes it, and returns the commit.
func (r *remote) commit(branch, msg string, files map[string]string) string {
	r.t.Helper()
	return r.repo.Commit(branch, msg, files)
}

// checkout moves the work tree to branch.
func (r *remote) checkout(branch string) { r.repo.Checkout(branch) }

// pull makes refs/pull/n/head point at sha, as GitHub keeps it.
func (r *remote) pull(n int, sha string) {
	r.git(r.bare, "update-ref", fmt.Sprintf("refs/pull/%d/head", n), sha)
}

// merge merges branch into main with a merge commit and pushes main.
func (r *remote) merge(branch, msg string) string {
	r.t.Helper()
	r.git(r.work, "checkout", "-q", "main")
	r.git(r.work, "merge", "-q", "--no-ff", "-m", msg, branch)
	r.git(r.work, "push", "-q", "origin", "main")
	return r.git(r.work, "rev-parse", "HEAD")
}

// handler serves the bare repository like GitHub does, refusing anyone
// without credentials.
func (r *remote) handler() http.Handler {
	backend := &cgi.Handler{
		Path: gitBackend,
		Root: "/",
		Env:  []string{"GIT_PROJECT_ROOT=" + r.root, "GIT_HTTP_EXPORT_ALL=1", "GIT_CONFIG_NOSYSTEM=1", "HOME=" + r.root},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		user, pass, ok := req.BasicAuth()
		if !ok || user != "x-access-token" || pass == "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="GitHub"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		if strings.HasSuffix(req.URL.Path, "/git-receive-pack") {
			r.pushes.Add(1)
		}
		r.mu.Lock()
		hook := r.hook
		r.mu.Unlock()
		if hook != nil {
			hook(req)
		}
		backend.ServeHTTP(w, req)
	})
}

// log returns the subjects and bodies of branch's commits, newest first.
func (r *remote) commits(branch string) []string {
	out := r.git(r.bare, "log", "--format=%H%n%B%x00", branch)
	var msgs []string
	for _, m := range strings.Split(out, "\x00") {
		if m = strings.TrimSpace(m); m != "" {
			msgs = append(msgs, m)
		}
	}
	return msgs
}

func (r *remote) hasBranch(branch string) bool {
	cmd := exec.Command("git", "rev-parse", "--verify", "-q", "refs/heads/"+branch)
	cmd.Dir = r.bare
	return cmd.Run() == nil
}

// env is a fake GitHub with one platform repository served by git.
type env struct {
	t      testing.TB
	gh     *githubtest.Server
	remote *remote
	repo   vcs.Repo
	main   string // the seeded main commit
}

func newEnv(t testing.TB) *env { return newEnvFrom(t, "../../platform-repo-template") }

// newEnvFrom is newEnv with the platform repo in seed.
func newEnvFrom(t testing.TB, seed string) *env {
	t.Helper()
	r := newRemote(t)
	gh := githubtest.New(t, githubtest.WithHandler("/"+owner+"/"+repoName+".git/", r.handler()))
	repo := gh.AddRepo(vcs.Repo{Owner: owner, Name: repoName})
	r.seed(seed)
	main := r.commit("main", "Start the platform repo", nil)
	return &env{t: t, gh: gh, remote: r, repo: repo, main: main}
}

// dip is one running dip serve.
type dip struct {
	url    string
	cancel context.CancelFunc
	done   chan error
	logs   *syncBuffer
}

type dipOptions struct {
	databaseURL string
	cacheDir    string
	reconcile   time.Duration
	workers     int
	auditToken  string
	now         func() time.Time
	// config, when set, changes the configuration before dip serve
	// starts: another code host, say.
	config func(*server.Config)
}

// start runs dip serve against e's GitHub until the test ends.
func (e *env) start(o dipOptions) *dip {
	e.t.Helper()
	if o.databaseURL == "" {
		o.databaseURL = filepath.Join(e.t.TempDir(), "dip.db")
	}
	if o.cacheDir == "" {
		o.cacheDir = e.t.TempDir()
	}
	if o.reconcile == 0 {
		o.reconcile = -1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	d := &dip{url: "http://" + ln.Addr().String(), cancel: cancel, done: make(chan error, 1), logs: logs}
	cfg := server.Config{
		Listener:          ln,
		AppID:             e.gh.AppID(),
		PrivateKey:        e.gh.PrivateKey(),
		WebhookSecret:     []byte(secret),
		APIURL:            e.gh.URL() + "/",
		DatabaseURL:       o.databaseURL,
		CacheDir:          o.cacheDir,
		Workers:           o.workers,
		JobTimeout:        time.Minute,
		ReconcileInterval: o.reconcile,
		ShutdownTimeout:   20 * time.Second,
		Bundle:            policybundle.FS,
		Logger:            jsonLogger(logs),
		AuditToken:        []byte(o.auditToken),
		Now:               o.now,
	}
	if o.config != nil {
		o.config(&cfg)
	}
	go func() { d.done <- server.Run(ctx, cfg) }()
	e.t.Cleanup(func() { d.stop(e.t) })
	waitFor(e.t, 30*time.Second, "dip serve to be ready", func() bool {
		resp, err := http.Get(d.url + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return d
}

// stop stops d gracefully; it may be called twice.
func (d *dip) stop(t testing.TB) {
	t.Helper()
	if d.cancel == nil {
		return
	}
	d.cancel()
	d.cancel = nil
	select {
	case err := <-d.done:
		if err != nil {
			t.Errorf("dip serve: %v", err)
		}
	case <-time.After(time.Minute):
		t.Errorf("dip serve did not stop")
	}
}

// deliver sends a signed webhook and returns the status.
func (d *dip) deliver(t testing.TB, event, id string, payload any) int {
	t.Helper()
	body, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, d.url+"/webhooks/github", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", id)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// repoPayload is the repository of a webhook payload.
func (e *env) repoPayload() map[string]any {
	return map[string]any{
		"id": e.repo.ID, "name": repoName, "full_name": owner + "/" + repoName,
		"owner":     map[string]any{"login": owner, "name": owner},
		"clone_url": e.repo.CloneURL, "default_branch": "main",
	}
}

// pullRequest opens pull request n for branch at sha and returns the
// pull_request payload of action.
func (e *env) pullRequest(n int, branch, sha, action string, fork bool) map[string]any {
	e.remote.pull(n, sha)
	e.gh.AddPullRequest(owner+"/"+repoName, vcs.PullRequest{
		Number: n, Author: "dev" + fmt.Sprint(n), HeadSHA: sha, HeadRef: branch, BaseSHA: e.main, BaseRef: "main", Fork: fork,
	})
	return e.pullRequestPayload(n, branch, sha, action, fork)
}

// pullRequestPayload is the pull_request delivery of action on pull
// request n, by dev<n>, from branch at sha, as GitHub sends it.
func (e *env) pullRequestPayload(n int, branch, sha, action string, fork bool) map[string]any {
	author := "dev" + fmt.Sprint(n)
	headRepo := e.repoPayload()
	if fork {
		headRepo = map[string]any{"id": 99999, "full_name": "someone/platform", "name": "platform"}
	}
	return map[string]any{
		"action": action, "number": n,
		"pull_request": map[string]any{
			"number": n, "html_url": fmt.Sprintf("https://github.example/%s/%s/pull/%d", owner, repoName, n),
			"user": map[string]any{"login": author}, "draft": false,
			"head": map[string]any{"sha": sha, "ref": branch, "repo": headRepo},
			"base": map[string]any{"sha": e.main, "ref": "main", "repo": e.repoPayload()},
		},
		"repository":   e.repoPayload(),
		"installation": map[string]any{"id": githubtest.DefaultInstallation},
		"sender":       map[string]any{"login": author},
	}
}

// pushPayload is the push of sha to main.
func (e *env) pushPayload(before, sha string) map[string]any {
	return map[string]any{
		"ref": "refs/heads/main", "before": before, "after": sha,
		"repository":   e.repoPayload(),
		"installation": map[string]any{"id": githubtest.DefaultInstallation},
		"sender":       map[string]any{"login": "merger"},
	}
}

// runsOn returns the check runs on sha, newest of each name.
func (e *env) runsOn(sha string) map[string]githubtest.CheckRun {
	out := map[string]githubtest.CheckRun{}
	for _, r := range e.gh.CheckRuns() {
		if r.HeadSHA == sha {
			out[r.Name] = r
		}
	}
	return out
}

// waitChecks waits until the four check runs on sha are completed.
func (e *env) waitChecks(sha string, timeout time.Duration) map[string]githubtest.CheckRun {
	e.t.Helper()
	var runs map[string]githubtest.CheckRun
	waitFor(e.t, timeout, "four completed check runs on "+sha, func() bool {
		runs = e.runsOn(sha)
		done := 0
		for _, r := range runs {
			if r.Status == "completed" {
				done++
			}
		}
		return done == 4
	})
	return runs
}

func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// syncBuffer collects logs written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func countLines(s, sub string) int {
	n := 0
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, sub) {
			n++
		}
	}
	return n
}

func replaceName(request, name string) string {
	return strings.Replace(request, "name: refunds", "name: "+name, 1)
}
