package githubtest_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/github/githubtest"
	"github.com/dipdev/dip/vcs/internal/fakehost"
)

func do(t *testing.T, s *githubtest.Server, method, path, auth, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// jwt signs an App JWT with key.
func jwt(t *testing.T, key *rsa.PrivateKey, iss any, exp time.Time) string {
	t.Helper()
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	now := time.Now()
	signed := enc(map[string]string{"alg": "RS256", "typ": "JWT"}) + "." +
		enc(map[string]any{"iss": iss, "iat": now.Add(-30 * time.Second).Unix(), "exp": exp.Unix()})
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func newKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func TestUnknownRequestFailsTest(t *testing.T) {
	tb := &fakehost.RecordingTB{TB: t}
	s := githubtest.New(tb)
	resp, _ := do(t, s, http.MethodGet, "/repos/acme/platform/branches", "", "")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status %d, want 404", resp.StatusCode)
	}
	do(t, s, http.MethodDelete, "/app/installations", "", "")
	errs := tb.Errors()
	if len(errs) != 2 || !strings.Contains(errs[0], "GET /repos/acme/platform/branches") || !strings.Contains(errs[1], "DELETE /app/installations") {
		t.Errorf("errors = %q", errs)
	}
	if n := len(s.Requests()); n != 2 {
		t.Errorf("%d requests recorded, want 2", n)
	}
}

func TestJWT(t *testing.T) {
	key := newKey(t)
	s := githubtest.New(t, githubtest.WithPrivateKey(key), githubtest.WithAppID(7))
	s.AddRepo(vcs.Repo{Owner: "acme", Name: "platform"})
	other := newKey(t)
	soon := time.Now().Add(time.Minute)
	for _, tc := range []struct {
		name string
		auth string
		want int
	}{
		{"valid", "Bearer " + jwt(t, key, "7", soon), http.StatusCreated},
		{"numeric issuer", "Bearer " + jwt(t, key, 7, soon), http.StatusCreated},
		{"wrong key", "Bearer " + jwt(t, other, "7", soon), http.StatusUnauthorized},
		{"wrong issuer", "Bearer " + jwt(t, key, "8", soon), http.StatusUnauthorized},
		{"expired", "Bearer " + jwt(t, key, "7", time.Now().Add(-time.Second)), http.StatusUnauthorized},
		{"too long", "Bearer " + jwt(t, key, "7", time.Now().Add(time.Hour)), http.StatusUnauthorized},
		{"garbage", "Bearer a.b.c", http.StatusUnauthorized},
		{"none", "", http.StatusUnauthorized},
	} {
		resp, body := do(t, s, http.MethodPost, "/app/installations/1/access_tokens", tc.auth, "")
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, body, tc.want)
		}
	}
	if n := s.TokensIssued(); n != 2 {
		t.Errorf("%d tokens issued, want 2", n)
	}
	resp, _ := do(t, s, http.MethodPost, "/app/installations/9/access_tokens", "Bearer "+jwt(t, key, "7", soon), "")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown installation: %d, want 404", resp.StatusCode)
	}
}

// token issues an installation token.
func token(t *testing.T, s *githubtest.Server, key *rsa.PrivateKey, inst int64) string {
	t.Helper()
	resp, body := do(t, s, http.MethodPost, fmt.Sprintf("/app/installations/%d/access_tokens", inst),
		"Bearer "+jwt(t, key, fmt.Sprint(s.AppID()), time.Now().Add(time.Minute)), "")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("token: %s %s", resp.Status, body)
	}
	var tok struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := json.Unmarshal([]byte(body), &tok); err != nil {
		t.Fatal(err)
	}
	return tok.Token
}

func TestInstallationTokens(t *testing.T) {
	key := newKey(t)
	s := githubtest.New(t, githubtest.WithPrivateKey(key))
	s.AddRepo(vcs.Repo{Owner: "acme", Name: "platform"})
	s.AddRepo(vcs.Repo{Owner: "beta", Name: "platform", Installation: 2})
	tok := token(t, s, key, 1)
	for _, tc := range []struct {
		name, path, auth string
		want             int
	}{
		{"token", "/repos/acme/platform/pulls", "token " + tok, http.StatusOK},
		{"bearer", "/repos/acme/platform/pulls", "Bearer " + tok, http.StatusOK},
		{"other installation", "/repos/beta/platform/pulls", "token " + tok, http.StatusNotFound},
		{"unknown token", "/repos/acme/platform/pulls", "token ghs_nope", http.StatusUnauthorized},
		{"none", "/repos/acme/platform/pulls", "", http.StatusUnauthorized},
		{"jwt on repo", "/repos/acme/platform/pulls", "Bearer " + jwt(t, key, fmt.Sprint(s.AppID()), time.Now().Add(time.Minute)), http.StatusUnauthorized},
		{"token on app", "/app/installations", "Bearer " + tok, http.StatusUnauthorized},
	} {
		if resp, body := do(t, s, http.MethodGet, tc.path, tc.auth, ""); resp.StatusCode != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, body, tc.want)
		}
	}
	s.SetTokenTTL(-time.Second)
	expired := token(t, s, key, 1)
	if resp, _ := do(t, s, http.MethodGet, "/repos/acme/platform/pulls", "token "+expired, ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("expired token: %d, want 401", resp.StatusCode)
	}
}

func TestCheckRunValidation(t *testing.T) {
	key := newKey(t)
	s := githubtest.New(t, githubtest.WithPrivateKey(key))
	s.AddRepo(vcs.Repo{Owner: "acme", Name: "platform"})
	auth := "token " + token(t, s, key, 1)
	ann := func(extra string) string {
		return `{"path":"a.yaml","start_line":1,"end_line":2,"annotation_level":"warning","message":"m"` + extra + `}`
	}
	many := strings.TrimSuffix(strings.Repeat(ann("")+",", 51), ",")
	for _, tc := range []struct {
		name, body string
		want       int
	}{
		{"minimal", `{"name":"n","head_sha":"abc"}`, http.StatusCreated},
		{"no sha", `{"name":"n"}`, http.StatusUnprocessableEntity},
		{"completed without conclusion", `{"name":"n","head_sha":"abc","status":"completed"}`, http.StatusUnprocessableEntity},
		{"output without summary", `{"name":"n","head_sha":"abc","output":{"title":"t"}}`, http.StatusUnprocessableEntity},
		{"51 annotations", `{"name":"n","head_sha":"abc","output":{"title":"t","summary":"s","annotations":[` + many + `]}}`, http.StatusUnprocessableEntity},
		{"columns on two lines", `{"name":"n","head_sha":"abc","output":{"title":"t","summary":"s","annotations":[` + ann(`,"start_column":3`) + `]}}`, http.StatusUnprocessableEntity},
		{"bad level", `{"name":"n","head_sha":"abc","output":{"title":"t","summary":"s","annotations":[{"path":"a","start_line":1,"end_line":1,"annotation_level":"error","message":"m"}]}}`, http.StatusUnprocessableEntity},
		{"long summary", `{"name":"n","head_sha":"abc","output":{"title":"t","summary":"` + strings.Repeat("x", 65536) + `"}}`, http.StatusUnprocessableEntity},
		{"not json", `{`, http.StatusBadRequest},
	} {
		if resp, body := do(t, s, http.MethodPost, "/repos/acme/platform/check-runs", auth, tc.body); resp.StatusCode != tc.want {
			t.Errorf("%s: %d %.200s, want %d", tc.name, resp.StatusCode, body, tc.want)
		}
	}
	if resp, _ := do(t, s, http.MethodPatch, "/repos/acme/platform/check-runs/999", auth, `{"name":"n"}`); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown run: %d, want 404", resp.StatusCode)
	}
}

func TestPagination(t *testing.T) {
	key := newKey(t)
	s := githubtest.New(t, githubtest.WithPrivateKey(key), githubtest.WithPageSize(2))
	s.AddRepo(vcs.Repo{Owner: "acme", Name: "platform"})
	for n := 1; n <= 5; n++ {
		s.AddPullRequest("acme/platform", vcs.PullRequest{Number: n})
	}
	auth := "token " + token(t, s, key, 1)
	resp, body := do(t, s, http.MethodGet, "/repos/acme/platform/pulls?per_page=100&page=2", auth, "")
	link := resp.Header.Get("Link")
	for _, want := range []string{`page=3&per_page=100>; rel="next"`, `page=3&per_page=100>; rel="last"`, `page=1&per_page=100>; rel="first"`, `rel="prev"`} {
		if !strings.Contains(link, want) {
			t.Errorf("Link %q lacks %q", link, want)
		}
	}
	var page []struct{ Number int }
	json.Unmarshal([]byte(body), &page)
	if len(page) != 2 || page[0].Number != 3 {
		t.Errorf("page 2 = %+v", page)
	}
	if resp, _ := do(t, s, http.MethodGet, "/repos/acme/platform/pulls?page=3", auth, ""); resp.Header.Get("Link") == "" || strings.Contains(resp.Header.Get("Link"), "next") {
		t.Errorf("last page Link %q", resp.Header.Get("Link"))
	}
}

func TestFaultsAndHandlers(t *testing.T) {
	key := newKey(t)
	git := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "git "+r.URL.Path) })
	s := githubtest.New(t, githubtest.WithPrivateKey(key), githubtest.WithHandler("/acme/", git))
	s.AddRepo(vcs.Repo{Owner: "acme", Name: "platform"})
	auth := "token " + token(t, s, key, 1)

	s.FailNext(http.MethodGet, "/repos/acme/platform/pulls", http.StatusBadGateway, 2)
	for i, want := range []int{502, 502, 200} {
		if resp, _ := do(t, s, http.MethodGet, "/repos/acme/platform/pulls", auth, ""); resp.StatusCode != want {
			t.Errorf("request %d: %d, want %d", i, resp.StatusCode, want)
		}
	}
	s.SecondaryRateLimit(1, 42*time.Second)
	resp, body := do(t, s, http.MethodGet, "/repos/acme/platform/pulls", auth, "")
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Retry-After") != "42" || !strings.Contains(body, "secondary rate limit") {
		t.Errorf("secondary limit: %d, Retry-After %q, %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	reset := time.Now().Add(time.Hour).Truncate(time.Second)
	s.SetRateLimit(1, reset)
	for i, want := range []int{200, 403} {
		resp, _ := do(t, s, http.MethodGet, "/repos/acme/platform/pulls", auth, "")
		if resp.StatusCode != want || resp.Header.Get("X-RateLimit-Remaining") != "0" || resp.Header.Get("X-RateLimit-Reset") != fmt.Sprint(reset.Unix()) {
			t.Errorf("request %d: %d %v, want %d with none remaining", i, resp.StatusCode, resp.Header, want)
		}
	}
	if resp, body := do(t, s, http.MethodGet, "/acme/platform.git/info/refs", "", ""); resp.StatusCode != 200 || body != "git /acme/platform.git/info/refs" {
		t.Errorf("mounted handler: %d %q", resp.StatusCode, body)
	}
	if n := s.CountRequests("", "/acme/"); n != 0 {
		t.Errorf("mounted handler's requests recorded: %d", n)
	}
}
