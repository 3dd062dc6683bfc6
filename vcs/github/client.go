// Package github is dip's vcs.Provider for GitHub, as a GitHub App: it
// authenticates as the App with a JWT and as each installation with a
// short-lived token, keeps within GitHub's rate limits and retries what is
// safe to retry.
package github

import (
	"cmp"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v92/github"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/internal/retry"
)

// DefaultAPIURL is GitHub's REST API.
const DefaultAPIURL = "https://api.github.com/"

// Config configures a Client.
type Config struct {
	AppID int64
	// PrivateKey is the App's private key, PEM-encoded.
	PrivateKey []byte
	// APIURL is the REST API base: DefaultAPIURL when empty; a GitHub
	// Enterprise Server's https://host/api/v3/, or a test server.
	APIURL string
	// HTTPClient's Transport carries every request; its Timeout is not
	// used, since a call may wait for a rate limit: bound calls with their
	// context.
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Registerer receives the client's metrics; none when nil.
	Registerer prometheus.Registerer
	// Now and Sleep stand for the clock and for waiting, for tests: nil
	// means real time. Sleep must return ctx's error when ctx is done.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client is a GitHub App's view of GitHub. It is safe for concurrent use.
type Client struct {
	appID  int64
	key    []byte
	apiURL string
	base   http.RoundTripper
	clock  retry.Clock
	log    *slog.Logger
	gauge  *prometheus.GaugeVec
	app    *github.Client

	mu       sync.Mutex
	installs map[int64]*installation
}

var _ vcs.Provider = (*Client)(nil)

// installation is the client of one App installation.
type installation struct {
	tokens *ghinstallation.Transport
	gh     *github.Client
}

// New returns a client for the App cfg describes. It checks the key but
// makes no request.
func New(cfg Config) (*Client, error) {
	if cfg.AppID <= 0 {
		return nil, errors.New("github app id missing")
	}
	if err := checkKey(cfg.PrivateKey); err != nil {
		return nil, err
	}
	apiURL := cmp.Or(cfg.APIURL, DefaultAPIURL)
	if !strings.HasSuffix(apiURL, "/") {
		apiURL += "/"
	}
	var rt http.RoundTripper = http.DefaultTransport
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		rt = cfg.HTTPClient.Transport
	}
	requests, gauge, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	c := &Client{
		appID:    cfg.AppID,
		key:      cfg.PrivateKey,
		apiURL:   apiURL,
		base:     retry.Metered{Next: rt, Requests: requests},
		clock:    retry.NewClock(cfg.Now, cfg.Sleep),
		log:      cmp.Or(cfg.Logger, slog.New(slog.DiscardHandler)),
		gauge:    gauge,
		installs: make(map[int64]*installation),
	}
	atr, err := ghinstallation.NewAppsTransport(c.base, c.appID, c.key)
	if err != nil {
		return nil, fmt.Errorf("github app key: %w", err)
	}
	atr.BaseURL = apiURL
	if c.app, err = c.newGitHub(atr, "app"); err != nil {
		return nil, err
	}
	return c, nil
}

// checkKey fails on a key that is not an RSA private key in PEM, without
// saying anything of the key itself.
func checkKey(key []byte) error {
	block, _ := pem.Decode(key)
	if block == nil {
		return errors.New("github app key: no PEM block")
	}
	if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return nil
	}
	if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		return nil
	}
	return errors.New("github app key: not an RSA private key")
}

// newGitHub returns a go-github client that sends through auth, itself
// under a limiter for the identity called who. go-github's own rate-limit
// checks are off: the limiter waits instead of failing.
func (c *Client) newGitHub(auth http.RoundTripper, who string) (*github.Client, error) {
	lim := newLimiter(auth, c.clock, c.log.With("installation", who), c.gauge.WithLabelValues(who))
	gh, err := github.NewClient(
		github.WithTransport(lim),
		github.WithURLs(&c.apiURL, &c.apiURL),
		github.WithDisableRateLimitCheck(),
		github.WithUserAgent("dip"),
	)
	if err != nil {
		return nil, fmt.Errorf("github client: %w", err)
	}
	return gh, nil
}

// installation returns the client of installation id, made once.
func (c *Client) installation(id int64) (*installation, error) {
	if id <= 0 {
		return nil, errors.New("no github app installation")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if in, ok := c.installs[id]; ok {
		return in, nil
	}
	// Each installation has its own apps transport: refreshing a token
	// writes to it, so sharing one between installations would race.
	tokens, err := ghinstallation.New(c.base, c.appID, id, c.key)
	if err != nil {
		return nil, fmt.Errorf("github app key: %w", err)
	}
	tokens.BaseURL = c.apiURL
	gh, err := c.newGitHub(tokens, strconv.FormatInt(id, 10))
	if err != nil {
		return nil, err
	}
	in := &installation{tokens: tokens, gh: gh}
	c.installs[id] = in
	return in, nil
}

// repoClient returns the client of the installation that covers repo.
func (c *Client) repoClient(repo vcs.Repo) (*installation, error) {
	in, err := c.installation(repo.Installation)
	if err != nil {
		return nil, fmt.Errorf("repository %s: %w", repo.FullName(), err)
	}
	return in, nil
}

// Committer is who dip's commits are by on GitHub: the App's bot at
// GitHub's noreply domain.
var Committer = vcs.Signature{Name: "dip", Email: "dip[bot]@users.noreply.github.com"}

// Committer is Committer, for every repository.
func (c *Client) Committer(vcs.Repo) vcs.Signature { return Committer }

// CloneAuth returns the installation token that lets git fetch and push
// repo. ghinstallation keeps the token and asks for a new one a minute
// before it expires.
func (c *Client) CloneAuth(ctx context.Context, repo vcs.Repo) (string, string, error) {
	in, err := c.repoClient(repo)
	if err != nil {
		return "", "", err
	}
	for attempt := 1; ; attempt++ {
		token, err := in.tokens.Token(ctx)
		if err == nil {
			return "x-access-token", token, nil
		}
		if ctx.Err() != nil || attempt == retry.MaxAttempts || !errRetryable(http.MethodPost, err) {
			return "", "", fmt.Errorf("installation token for %s: %w", repo.FullName(), err)
		}
		wait := retry.Backoff(attempt)
		if he, ok := errors.AsType[*ghinstallation.HTTPError](err); ok && he.Response != nil {
			if ra, ok := retry.RetryAfter(he.Response, c.clock.Now(), defaultSecondaryWait); ok {
				wait = min(ra, maxSecondaryWait)
			}
		}
		if err := c.clock.Sleep(ctx, wait); err != nil {
			return "", "", fmt.Errorf("installation token for %s: %w", repo.FullName(), err)
		}
	}
}

// Repositories lists the repositories of every installation of the App
// that is not suspended.
func (c *Client) Repositories(ctx context.Context) ([]vcs.Repo, error) {
	var installs []*github.Installation
	opts := &github.ListOptions{PerPage: 100}
	for {
		page, resp, err := c.app.Apps.ListInstallations(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("list app installations: %w", err)
		}
		installs = append(installs, page...)
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	var repos []vcs.Repo
	for _, inst := range installs {
		if inst.SuspendedAt != nil {
			continue
		}
		rs, err := c.installationRepos(ctx, inst.GetID())
		if err != nil {
			return nil, err
		}
		repos = append(repos, rs...)
	}
	return repos, nil
}

func (c *Client) installationRepos(ctx context.Context, id int64) ([]vcs.Repo, error) {
	in, err := c.installation(id)
	if err != nil {
		return nil, err
	}
	var repos []vcs.Repo
	opts := &github.ListOptions{PerPage: 100}
	for {
		page, resp, err := in.gh.Apps.ListRepos(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("list repositories of installation %d: %w", id, err)
		}
		for _, r := range page.Repositories {
			repos = append(repos, vcs.Repo{
				Host:          vcs.GitHub,
				ID:            r.GetID(),
				Owner:         r.GetOwner().GetLogin(),
				Name:          r.GetName(),
				CloneURL:      r.GetCloneURL(),
				DefaultBranch: r.GetDefaultBranch(),
				Installation:  id,
			})
		}
		if resp.NextPage == 0 {
			return repos, nil
		}
		opts.Page = resp.NextPage
	}
}
