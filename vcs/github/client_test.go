package github_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/github"
	"github.com/dipdev/dip/vcs/github/githubtest"
)

func TestNewChecksConfig(t *testing.T) {
	key := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte("not a key")})
	for name, cfg := range map[string]github.Config{
		"no app id": {PrivateKey: key},
		"no key":    {AppID: 1},
		"bad key":   {AppID: 1, PrivateKey: key},
	} {
		_, err := github.New(cfg)
		if err == nil {
			t.Errorf("%s: no error", name)
		} else if strings.Contains(err.Error(), "not a key") {
			t.Errorf("%s: error shows the key: %v", name, err)
		}
	}
}

func TestTokenCached(t *testing.T) {
	e := setup(t)
	for range 5 {
		if _, err := e.c.OpenPullRequests(t.Context(), e.repo); err != nil {
			t.Fatal(err)
		}
	}
	user, pass, err := e.c.CloneAuth(t.Context(), e.repo)
	if err != nil {
		t.Fatal(err)
	}
	if user != "x-access-token" || !strings.HasPrefix(pass, "ghs_") {
		t.Errorf("CloneAuth = %q, %q", user, pass)
	}
	if n := e.srv.TokensIssued(); n != 1 {
		t.Errorf("%d tokens issued, want 1", n)
	}
	// The token is the installation's: it lists its repositories.
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL()+"/installation/repositories", nil)
	req.Header.Set("Authorization", "token "+pass)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("token refused: %s", resp.Status)
	}
}

func TestTokenRefreshed(t *testing.T) {
	// The client takes a new token a minute before the old expires: these
	// expire 800ms after that.
	e := setup(t, githubtest.WithTokenTTL(time.Minute+800*time.Millisecond))
	for range 3 {
		if _, err := e.c.OpenPullRequests(t.Context(), e.repo); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.srv.TokensIssued(); n != 1 {
		t.Fatalf("%d tokens issued, want 1", n)
	}
	time.Sleep(time.Second)
	_, second, err := e.c.CloneAuth(t.Context(), e.repo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.OpenPullRequests(t.Context(), e.repo); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.TokensIssued(); n != 2 {
		t.Errorf("%d tokens issued, want 2", n)
	}
	if _, again, _ := e.c.CloneAuth(t.Context(), e.repo); again != second {
		t.Error("new token not kept")
	}
}

func TestShortLivedTokens(t *testing.T) {
	// Tokens that live under a minute are renewed for every request.
	e := setup(t, githubtest.WithTokenTTL(30*time.Second))
	for range 3 {
		if _, err := e.c.OpenPullRequests(t.Context(), e.repo); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.srv.TokensIssued(); n != 3 {
		t.Errorf("%d tokens issued, want 3", n)
	}
}

func TestWrongKey(t *testing.T) {
	e := setup(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	c := e.client(t, other)
	if _, _, err := c.CloneAuth(t.Context(), e.repo); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("CloneAuth: err = %v, want 401", err)
	}
	if _, err := c.Repositories(t.Context()); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("Repositories: err = %v, want 401", err)
	}
	for _, r := range e.srv.Requests() {
		if r.Status != http.StatusUnauthorized {
			t.Errorf("%s %s: %d, want 401", r.Method, r.Path, r.Status)
		}
	}
	if e.srv.TokensIssued() != 0 {
		t.Error("token issued for a wrong key")
	}
}

func TestRepositories(t *testing.T) {
	e := setup(t, githubtest.WithPageSize(2))
	e.srv.AddRepo(vcs.Repo{Owner: "acme", Name: "apps"})
	e.srv.AddRepo(vcs.Repo{Owner: "acme", Name: "infra", DefaultBranch: "trunk"})
	other := e.srv.AddRepo(vcs.Repo{Owner: "beta", Name: "platform", Installation: 2})
	e.srv.AddRepo(vcs.Repo{Owner: "gone", Name: "platform", Installation: 3})
	e.srv.SuspendInstallation(3)

	got, err := e.c.Repositories(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range got {
		names = append(names, r.FullName())
		if r.Host != vcs.GitHub || r.ID == 0 || r.CloneURL == "" || r.DefaultBranch == "" || r.Installation == 0 {
			t.Errorf("repo %+v", r)
		}
	}
	if diff := cmp.Diff([]string{"acme/apps", "acme/infra", "acme/platform", "beta/platform"}, names); diff != "" {
		t.Errorf("repositories (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(other, got[3]); diff != "" {
		t.Errorf("beta/platform (-want +got):\n%s", diff)
	}
	if got[1].DefaultBranch != "trunk" {
		t.Errorf("default branch %q", got[1].DefaultBranch)
	}
}

func TestInstallationsConcurrently(t *testing.T) {
	e := setup(t)
	repos := []vcs.Repo{e.repo, e.srv.AddRepo(vcs.Repo{Owner: "beta", Name: "platform", Installation: 2})}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			repo := repos[i%2]
			if _, err := e.c.CreateCheckRun(t.Context(), repo, "abc", vcs.CheckRun{Name: checks.Validate}); err != nil {
				t.Error(err)
			}
			if _, err := e.c.OpenPullRequests(t.Context(), repo); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := e.srv.TokensIssued(); n != 2 {
		t.Errorf("%d tokens issued, want one per installation", n)
	}
	if runs := e.srv.CheckRuns(); len(runs) != 8 {
		t.Errorf("%d check runs, want 8", len(runs))
	}
}

// A secondary rate limit on the installation token request is waited out
// as its Retry-After says, and the token asked for again.
func TestCloneAuthWaitsOutSecondaryRateLimit(t *testing.T) {
	e := setup(t)
	e.srv.SecondaryRateLimit(2, 3*time.Second)
	user, token, err := e.c.CloneAuth(t.Context(), e.repo)
	if err != nil || user != "x-access-token" || token == "" {
		t.Fatalf("CloneAuth = %q, %q, %v", user, token, err)
	}
	if slept := e.clock.Slept(); len(slept) != 2 || slept[0] != 3*time.Second || slept[1] != 3*time.Second {
		t.Errorf("slept %v, want the Retry-After twice", slept)
	}
}
