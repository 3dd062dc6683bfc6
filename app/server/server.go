package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/app/queue"
	"github.com/dipdev/dip/app/repocache"
	"github.com/dipdev/dip/vcs/github"
	"github.com/dipdev/dip/webhook"
)

// Config is everything dip serve needs; cmd/dip fills it from flags and
// DIP_* variables.
type Config struct {
	// Listen is the address to listen on, such as :8080. Listener, when
	// set, is used instead.
	Listen   string
	Listener net.Listener

	AppID         int64
	PrivateKey    []byte
	WebhookSecret []byte
	// APIURL is GitHub's REST API base; empty is api.github.com.
	APIURL string
	// HTTPClient carries the GitHub API calls; nil is the default client.
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
}

// DefaultShutdownTimeout bounds a graceful stop.
const DefaultShutdownTimeout = 30 * time.Second

// check reports the first missing setting, so that a server without its
// secrets fails at start and not at the first delivery.
func (c Config) check() error {
	switch {
	case c.AppID <= 0:
		return errors.New("no GitHub App id: set --github-app-id or DIP_GITHUB_APP_ID")
	case len(c.PrivateKey) == 0:
		return errors.New("no GitHub App private key: set --github-private-key or DIP_GITHUB_PRIVATE_KEY to the PEM file")
	case len(c.WebhookSecret) == 0:
		return errors.New("no webhook secret: set --github-webhook-secret or DIP_GITHUB_WEBHOOK_SECRET")
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

	gh, err := github.New(github.Config{
		AppID: cfg.AppID, PrivateKey: cfg.PrivateKey, APIURL: cfg.APIURL,
		HTTPClient: cfg.HTTPClient, Logger: log, Registerer: reg,
	})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	cache, err := repocache.New(cfg.CacheDir, gh.CloneAuth)
	if err != nil {
		return err
	}
	h := &Handler{
		Provider: gh, Cache: cache, Bundle: cfg.Bundle, Scan: pipeline.DefaultScanner(),
		Logger: log,
	}
	qcfg := queue.Config{
		DatabaseURL: cfg.DatabaseURL, Workers: cfg.Workers, JobTimeout: cfg.JobTimeout,
		Logger: log, Registerer: reg,
	}
	q, err := queue.Open(ctx, qcfg, h)
	if err != nil {
		return err
	}
	defer q.Close()

	ln := cfg.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.Listen); err != nil {
			return fmt.Errorf("listen: %w", err)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/github", webhook.NewGitHub(cfg.WebhookSecret, q,
		webhook.WithLogger(log), webhook.WithMetrics(reg), webhook.WithAppID(cfg.AppID)))
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
	log.Info("dip serve listening", "addr", ln.Addr().String(), "app_id", cfg.AppID)

	sweepCtx, stopSweep := context.WithCancel(context.WithoutCancel(ctx))
	var sweeps sync.WaitGroup
	if cfg.ReconcileInterval >= 0 {
		rec := &Reconciler{Provider: gh, Cache: cache, Queue: q, Logger: log}
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

func text(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
