package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dipdev/dip/app/migrationbot"
	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/app/queue"
	"github.com/dipdev/dip/app/repocache"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/github"
	"github.com/dipdev/dip/vcs/gitlab"
	"github.com/dipdev/dip/webhook"
)

// Config is everything dip serve needs; cmd/dip fills it from flags and
// DIP_* variables.
type Config struct {
	// Listen is the address to listen on, such as :8080. Listener, when
	// set, is used instead.
	Listen   string
	Listener net.Listener

	// AppID, PrivateKey and WebhookSecret configure the GitHub App; all
	// unset leaves GitHub out.
	AppID         int64
	PrivateKey    []byte
	WebhookSecret []byte
	// APIURL is GitHub's REST API base; empty is api.github.com.
	APIURL string

	// GitLabToken and GitLabWebhookSecret configure GitLab; all unset,
	// GitLabURL too, leaves GitLab out. GitLabURL is GitLab's URL, a path
	// prefix included; empty is gitlab.com.
	GitLabURL           string
	GitLabToken         string
	GitLabWebhookSecret []byte

	// HTTPClient carries the code hosts' API calls; nil is the default
	// client.
	HTTPClient *http.Client

	// DatabaseURL is the queue's database: a SQLite path or postgres://.
	DatabaseURL string
	// CacheDir keeps the clones of the repositories worked on.
	CacheDir   string
	Workers    int
	JobTimeout time.Duration
	// ReconcileInterval is how often lost work is looked for; negative
	// turns the sweep off.
	ReconcileInterval time.Duration
	// ShutdownTimeout bounds a graceful stop: running jobs that do not end
	// in time are cancelled and retried after the restart.
	ShutdownTimeout time.Duration

	// Bundle is the default policy bundle.
	Bundle fs.FS
	Logger *slog.Logger
	// AuditToken is the bearer token GET /audit asks for; empty turns the
	// endpoint off.
	AuditToken []byte
	// Now is the clock of exceptions, commits and the migration bot's
	// hourly limit; nil is time.Now.
	Now func() time.Time
}

// DefaultShutdownTimeout bounds a graceful stop.
const DefaultShutdownTimeout = 30 * time.Second

// hasGitHub reports whether any GitHub App setting is given.
func (c Config) hasGitHub() bool {
	return c.AppID != 0 || len(c.PrivateKey) > 0 || len(c.WebhookSecret) > 0
}

// hasGitLab reports whether any GitLab setting is given.
func (c Config) hasGitLab() bool {
	return c.GitLabURL != "" || c.GitLabToken != "" || len(c.GitLabWebhookSecret) > 0
}

// check reports the first missing setting, so that a server without its
// secrets fails at start and not at the first delivery: at least one code
// host, and each host's settings complete or absent.
func (c Config) check() error {
	gh, gl := c.hasGitHub(), c.hasGitLab()
	switch {
	case !gh && !gl:
		return errors.New("no code host: configure the GitHub App (--github-app-id, --github-private-key, --github-webhook-secret), GitLab (--gitlab-token, --gitlab-webhook-secret), or both")
	case gh && c.AppID <= 0:
		return errors.New("no GitHub App id: set --github-app-id or DIP_GITHUB_APP_ID")
	case gh && len(c.PrivateKey) == 0:
		return errors.New("no GitHub App private key: set --github-private-key or DIP_GITHUB_PRIVATE_KEY to the PEM file")
	case gh && len(c.WebhookSecret) == 0:
		return errors.New("no webhook secret: set --github-webhook-secret or DIP_GITHUB_WEBHOOK_SECRET")
	case gl && c.GitLabToken == "":
		return errors.New("no GitLab token: set --gitlab-token or DIP_GITLAB_TOKEN")
	case gl && len(c.GitLabWebhookSecret) == 0:
		return errors.New("no GitLab webhook secret: set --gitlab-webhook-secret or DIP_GITLAB_WEBHOOK_SECRET")
	case c.Bundle == nil:
		return errors.New("no policy bundle")
	case c.CacheDir == "":
		return errors.New("no cache directory")
	}
	return nil
}

// ErrConfig marks a configuration that cannot work.
var ErrConfig = errors.New("configuration")

// Run serves until ctx ends, then stops gracefully: no new deliveries are
// accepted, running jobs get ShutdownTimeout to end, and whatever is left
// stays queued for the next start. The error is for a server that could
// not start or stop cleanly; a configuration error wraps ErrConfig.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.check(); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	hosts, err := cfg.hosts(log, reg)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	cache, err := repocache.New(cfg.CacheDir, hosts.CloneAuth)
	if err != nil {
		return err
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	h := &Handler{
		Provider: hosts, Cache: cache, Bundle: cfg.Bundle, Scan: pipeline.DefaultScanner(),
		Logger: log, Now: now,
	}
	h.Bot = &migrationbot.Bot{Forge: hosts, Cache: cache, Plan: migrateAll, Now: now, Logger: log}
	qcfg := queue.Config{
		DatabaseURL: cfg.DatabaseURL, Workers: cfg.Workers, JobTimeout: cfg.JobTimeout,
		Logger: log, Registerer: reg,
	}
	q, err := queue.Open(ctx, qcfg, h)
	if err != nil {
		return err
	}
	defer q.Close()
	h.Queue = q

	ln := cfg.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.Listen); err != nil {
			return fmt.Errorf("listen: %w", err)
		}
	}
	mux := http.NewServeMux()
	if cfg.hasGitHub() {
		mux.Handle("POST /webhooks/github", webhook.NewGitHub(cfg.WebhookSecret, q,
			webhook.WithLogger(log), webhook.WithMetrics(reg), webhook.WithAppID(cfg.AppID)))
	}
	if cfg.hasGitLab() {
		mux.Handle("POST /webhooks/gitlab", webhook.NewGitLab(cfg.GitLabWebhookSecret, q,
			webhook.WithLogger(log), webhook.WithMetrics(reg)))
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { text(w, http.StatusOK, "ok\n") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		pctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := q.Ping(pctx); err != nil {
			text(w, http.StatusServiceUnavailable, "queue database unreachable\n")
			return
		}
		text(w, http.StatusOK, "ready\n")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	if len(cfg.AuditToken) > 0 {
		mux.Handle("GET /audit", newAuditAPI(hosts, cache, cfg.AuditToken, log))
	}
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
	}

	if err := q.Start(ctx); err != nil {
		return err
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("dip serve listening", "addr", ln.Addr().String(), "hosts", slices.Sorted(maps.Keys(hosts)), "app_id", cfg.AppID)

	sweepCtx, stopSweep := context.WithCancel(context.WithoutCancel(ctx))
	var sweeps sync.WaitGroup
	if cfg.ReconcileInterval >= 0 {
		rec := &Reconciler{Provider: hosts, Cache: cache, Queue: q, Logger: log, Migrations: h.Bot != nil, Now: now}
		sweeps.Go(func() { rec.Run(sweepCtx, cfg.ReconcileInterval) })
	}

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-serveErr:
		runErr = fmt.Errorf("serve: %w", runErr)
	}
	log.Info("dip serve stopping")
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	var errs []error
	if runErr != nil {
		errs = append(errs, runErr)
	}
	if err := srv.Shutdown(stopCtx); err != nil {
		errs = append(errs, fmt.Errorf("stop http server: %w", err))
	}
	stopSweep()
	sweeps.Wait()
	if err := q.Stop(stopCtx); err != nil {
		errs = append(errs, err)
	}
	if err := q.Close(); err != nil {
		errs = append(errs, err)
	}
	if err := cache.FlushFacts(); err != nil {
		log.Warn("fact indexes not saved; the next start reads more", "error", err)
	}
	log.Info("dip serve stopped")
	return errors.Join(errs...)
}

// hosts makes the provider of each code host cfg configures.
func (cfg Config) hosts(log *slog.Logger, reg prometheus.Registerer) (vcs.Hosts, error) {
	hosts := vcs.Hosts{}
	if cfg.hasGitHub() {
		gh, err := github.New(github.Config{
			AppID: cfg.AppID, PrivateKey: cfg.PrivateKey, APIURL: cfg.APIURL,
			HTTPClient: cfg.HTTPClient, Logger: log, Registerer: reg,
		})
		if err != nil {
			return nil, err
		}
		hosts[vcs.GitHub] = gh
	}
	if cfg.hasGitLab() {
		gl, err := gitlab.New(gitlab.Config{
			URL: cfg.GitLabURL, Token: cfg.GitLabToken,
			HTTPClient: cfg.HTTPClient, Logger: log, Registerer: reg,
		})
		if err != nil {
			return nil, err
		}
		hosts[vcs.GitLab] = gl
	}
	return hosts, nil
}

func text(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
