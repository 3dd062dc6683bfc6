// Package gitlab is dip's vcs.Provider for GitLab, gitlab.com or
// self-managed, through a token (a project, group or personal access
// token with the api scope): commit statuses, one report note and a
// discussion per finding on merge requests, merge requests and issues for
// the migration bot, and the repositories the token serves. It keeps
// within GitLab's rate limits and retries what is safe to retry.
package gitlab

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/internal/retry"
)

// DefaultURL is gitlab.com.
const DefaultURL = "https://gitlab.com"

// WebhookPath is the path of dip's GitLab webhook endpoint: a project
// whose webhook URL ends with it is served by dip.
const WebhookPath = "/webhooks/gitlab"

// Config configures a Client.
type Config struct {
	// URL is GitLab's URL, DefaultURL when empty; a self-managed GitLab
	// under a relative URL keeps its path, as https://host/gitlab.
	URL string
	// Token is a personal, group or project access token with the api
	// scope; git uses it too, as the password of user oauth2.
	Token string
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

// Client is a GitLab token's view of GitLab. It is safe for concurrent
// use.
type Client struct {
	gl    *gitlab.Client
	token string
	// origin is GitLab's scheme and host: the token goes to no other.
	origin string
	// committer is dip's identity on this GitLab.
	committer vcs.Signature
	clock     retry.Clock
	log       *slog.Logger

	mu sync.Mutex
	// self is the token's user, once asked.
	self *gitlab.User
	// users caches user ids by username.
	users map[string]int64
}

var _ vcs.Provider = (*Client)(nil)

// New returns a client of the GitLab cfg names. It makes no request.
func New(cfg Config) (*Client, error) {
	if cfg.Token == "" {
		return nil, errors.New("gitlab token missing")
	}
	base, err := url.Parse(cmp.Or(cfg.URL, DefaultURL))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("gitlab url %q: not an http or https URL", cfg.URL)
	}
	base.Path = strings.TrimSuffix(strings.TrimSuffix(base.Path, "/"), "/api/v4") + "/api/v4/"
	var rt http.RoundTripper = http.DefaultTransport
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		rt = cfg.HTTPClient.Transport
	}
	requests, remaining, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	log := cmp.Or(cfg.Logger, slog.New(slog.DiscardHandler))
	c := &Client{
		token: cfg.Token, origin: base.Scheme + "://" + base.Host, committer: Committer(base.Hostname()),
		clock: retry.NewClock(cfg.Now, cfg.Sleep), log: log, users: map[string]int64{},
	}
	lim := newLimiter(retry.Metered{Next: rt, Requests: requests}, c.clock, log, remaining)
	c.gl, err = gitlab.NewClient(cfg.Token,
		gitlab.WithURLWarningLogger(slog.New(slog.DiscardHandler)),
		gitlab.WithBaseURL(base.String()),
		gitlab.WithHTTPClient(&http.Client{Transport: lim}),
		// The limiter retries and waits; client-go's own retries would
		// send a POST twice, and its limiter would guess.
		gitlab.WithoutRetries(),
		gitlab.WithCustomLimiter(noLimit{}),
		gitlab.WithUserAgent("dip"),
	)
	if err != nil {
		return nil, fmt.Errorf("gitlab client: %w", err)
	}
	return c, nil
}

// noLimit lets every request go; the limiter below paces them by what
// GitLab says.
type noLimit struct{}

func (noLimit) Wait(context.Context) error { return nil }

// pid is how the API names repo: its id, or its path when it has none.
func pid(repo vcs.Repo) any {
	if repo.ID > 0 {
		return repo.ID
	}
	return repo.FullName()
}

// Committer is who dip's commits are by on the GitLab at host (such as
// gitlab.com): dip at GitLab's noreply domain, noreply.<host>, where
// GitLab's own bot users have their addresses. It is not the private
// commit address of users (users.noreply.<host>), which GitLab would
// credit to whichever user is called dip.
func Committer(host string) vcs.Signature {
	return vcs.Signature{Name: "dip", Email: "dip@noreply." + strings.ToLower(host)}
}

// Committer is the identity of dip on this GitLab, for every project.
func (c *Client) Committer(vcs.Repo) vcs.Signature { return c.committer }

// CloneAuth returns the token as the password of oauth2, as GitLab takes
// a token over HTTPS, for a clone URL on GitLab's own host: a payload that
// named another host would have the token sent there.
func (c *Client) CloneAuth(ctx context.Context, repo vcs.Repo) (string, string, error) {
	u, err := url.Parse(repo.CloneURL)
	if err != nil || !strings.EqualFold(u.Scheme+"://"+u.Host, c.origin) {
		return "", "", fmt.Errorf("clone URL of %s is not on %s: the token is not sent there", repo.FullName(), c.origin)
	}
	return "oauth2", c.token, nil
}

// Repositories lists the active projects the token maintains that have a
// webhook pointing at dip's endpoint (a URL whose path ends in
// /webhooks/gitlab) with merge request or push events on. Listing a
// project's webhooks takes the Maintainer role; a group's webhooks are not
// seen.
func (c *Client) Repositories(ctx context.Context) ([]vcs.Repo, error) {
	opts := &gitlab.ListProjectsOptions{
		ListOptions:    gitlab.ListOptions{PerPage: 100},
		Membership:     gitlab.Ptr(true),
		MinAccessLevel: gitlab.Ptr(gitlab.MaintainerPermissions),
		Archived:       gitlab.Ptr(false),
		OrderBy:        gitlab.Ptr("id"),
		Sort:           gitlab.Ptr("asc"),
	}
	projects, err := gitlab.ScanAndCollect(func(p gitlab.PaginationOptionFunc) ([]*gitlab.Project, *gitlab.Response, error) {
		return c.gl.Projects.ListProjects(opts, p, gitlab.WithContext(ctx))
	})
	if err != nil {
		return nil, fmt.Errorf("list gitlab projects: %w", err)
	}
	var repos []vcs.Repo
	var errs []error
	for _, p := range projects {
		ok, err := c.servedByDip(ctx, p.ID)
		if err != nil {
			errs = append(errs, fmt.Errorf("webhooks of %s: %w", p.PathWithNamespace, err))
			continue
		}
		if ok {
			repos = append(repos, project(p))
		}
	}
	return repos, errors.Join(errs...)
}

// servedByDip reports whether project id has a webhook to dip.
func (c *Client) servedByDip(ctx context.Context, id int64) (bool, error) {
	hooks, err := gitlab.ScanAndCollect(func(p gitlab.PaginationOptionFunc) ([]*gitlab.ProjectHook, *gitlab.Response, error) {
		return c.gl.Projects.ListProjectHooks(id, &gitlab.ListProjectHooksOptions{ListOptions: gitlab.ListOptions{PerPage: 100}}, p, gitlab.WithContext(ctx))
	})
	if err != nil {
		return false, err
	}
	for _, h := range hooks {
		u, err := url.Parse(h.URL)
		if err == nil && strings.HasSuffix(strings.TrimSuffix(u.Path, "/"), WebhookPath) && (h.MergeRequestsEvents || h.PushEvents) {
			return true, nil
		}
	}
	return false, nil
}

// project is p in dip's terms: the namespace's full path is the owner.
func project(p *gitlab.Project) vcs.Repo {
	owner, name := "", p.Path
	if i := strings.LastIndexByte(p.PathWithNamespace, '/'); i >= 0 {
		owner, name = p.PathWithNamespace[:i], p.PathWithNamespace[i+1:]
	}
	return vcs.Repo{Host: vcs.GitLab, ID: p.ID, Owner: owner, Name: name, CloneURL: p.HTTPURLToRepo, DefaultBranch: p.DefaultBranch}
}

// IsMember reports whether login is an active member of repo with at
// least the Guest role, directly or through a group. A login that is no
// user, and Minimal Access, are not members.
func (c *Client) IsMember(ctx context.Context, repo vcs.Repo, login string) (bool, error) {
	id, ok, err := c.userID(ctx, login)
	if err != nil || !ok {
		return false, err
	}
	m, _, err := c.gl.ProjectMembers.GetInheritedProjectMember(pid(repo), id, gitlab.WithContext(ctx))
	if errors.Is(err, gitlab.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("is %s a member of %s: %w", login, repo.FullName(), err)
	}
	return m.State == "active" && m.AccessLevel >= gitlab.GuestPermissions, nil
}

// userID looks up the id of the user called username; ok is false when
// there is none. Ids found are kept.
func (c *Client) userID(ctx context.Context, username string) (int64, bool, error) {
	if username == "" || strings.ContainsAny(username, "/?#% ") {
		return 0, false, nil
	}
	key := strings.ToLower(username)
	c.mu.Lock()
	id, ok := c.users[key]
	c.mu.Unlock()
	if ok {
		return id, true, nil
	}
	users, _, err := c.gl.Users.ListUsers(&gitlab.ListUsersOptions{Username: &username}, gitlab.WithContext(ctx))
	if err != nil {
		return 0, false, fmt.Errorf("look up gitlab user %s: %w", username, err)
	}
	for _, u := range users {
		if strings.EqualFold(u.Username, username) {
			c.mu.Lock()
			c.users[key] = u.ID
			c.mu.Unlock()
			return u.ID, true, nil
		}
	}
	return 0, false, nil
}

// me is the token's user, asked once.
func (c *Client) me(ctx context.Context) (*gitlab.User, error) {
	c.mu.Lock()
	self := c.self
	c.mu.Unlock()
	if self != nil {
		return self, nil
	}
	u, _, err := c.gl.Users.CurrentUser(gitlab.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("gitlab token's user: %w", err)
	}
	c.mu.Lock()
	c.self = u
	c.mu.Unlock()
	return u, nil
}

// status is the HTTP status of an API error, 0 for none.
func status(err error) int {
	if errors.Is(err, gitlab.ErrNotFound) {
		return http.StatusNotFound
	}
	var er *gitlab.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	return 0
}

// lost reports whether a request that changes something may have been
// made though it failed: a gateway error, or a connection that broke
// after sending.
func lost(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	code := status(err)
	return retry.Gateway(code) || (code == 0 && !errors.Is(err, context.Canceled))
}
