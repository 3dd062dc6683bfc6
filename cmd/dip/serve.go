package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/dipdev/dip/app/queue"
	"github.com/dipdev/dip/app/server"
	policybundle "github.com/dipdev/dip/policy-bundle"
)

// serveFlags are dip serve's settings. Each flag falls back to its DIP_*
// variable; a flag given on the command line wins.
type serveFlags struct {
	listen, appID, keyFile, secret, apiURL string
	databaseURL, cacheDir, logLevel        string
	gitlabURL, gitlabToken, gitlabSecret   string
	auditToken                             string
	workers                                int
	jobTimeout, reconcile, shutdown        time.Duration
}

// serveEnv maps flags to the design's variables.
var serveEnv = map[string]string{
	"listen":                "DIP_LISTEN",
	"github-app-id":         "DIP_GITHUB_APP_ID",
	"github-private-key":    "DIP_GITHUB_PRIVATE_KEY",
	"github-webhook-secret": "DIP_GITHUB_WEBHOOK_SECRET",
	"github-api-url":        "DIP_GITHUB_API_URL",
	"database-url":          "DIP_DATABASE_URL",
	"cache-dir":             "DIP_CACHE_DIR",
	"workers":               "DIP_WORKERS",
	"job-timeout":           "DIP_JOB_TIMEOUT",
	"reconcile-interval":    "DIP_RECONCILE_INTERVAL",
	"shutdown-timeout":      "DIP_SHUTDOWN_TIMEOUT",
	"log-level":             "DIP_LOG_LEVEL",
	"gitlab-url":            "DIP_GITLAB_URL",
	"gitlab-token":          "DIP_GITLAB_TOKEN",
	"gitlab-webhook-secret": "DIP_GITLAB_WEBHOOK_SECRET",
	"audit-token":           "DIP_AUDIT_TOKEN",
}

func serveCmd() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the GitHub App and the GitLab integration: webhooks, checks on pull and merge requests, renders of merges",
		Long: "serve receives GitHub webhooks on POST /webhooks/github and GitLab webhooks on\n" +
			"POST /webhooks/gitlab, for either host or both, queues them durably, posts the\n" +
			"checks dip/validate, dip/policy, dip/scan and dip/render on pull requests (check\n" +
			"runs) and merge requests (commit statuses, a report note and a thread per\n" +
			"finding), and commits the rendered output of every merge to the output branch\n" +
			"with an audit trail. After each render, and on every reconcile sweep, it opens\n" +
			"and keeps up to date the pull or merge requests that migrate requests on\n" +
			"deprecated blueprint versions (spec.migrations of platform.yaml), with one\n" +
			"tracking issue per repository. Every flag may instead be given by its DIP_*\n" +
			"variable (shown with each flag); flags win. It also serves GET /healthz,\n" +
			"/readyz and /metrics, GET /audit with --audit-token, and stops gracefully on\n" +
			"SIGTERM.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyEnv(cmd.Flags()); err != nil {
				return usageError("%w", err)
			}
			cfg, log, err := f.config(cmd.ErrOrStderr())
			if err != nil {
				return usageError("serve: %w", err)
			}
			err = server.Run(cmd.Context(), cfg)
			if errors.Is(err, server.ErrConfig) {
				return usageError("serve: %w", err)
			}
			if err != nil {
				log.Error("dip serve failed", "error", err)
				return &exitErr{code: exitError}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.listen, "listen", ":8080", "listen address")
	fl.StringVar(&f.appID, "github-app-id", "", "GitHub App id")
	fl.StringVar(&f.keyFile, "github-private-key", "", "path to the GitHub App's PEM private key")
	fl.StringVar(&f.secret, "github-webhook-secret", "", "webhook secret (prefer the variable: flags show in ps)")
	fl.StringVar(&f.apiURL, "github-api-url", "https://api.github.com/", "GitHub REST API base (GitHub Enterprise Server: https://HOST/api/v3/)")
	fl.StringVar(&f.databaseURL, "database-url", queue.DefaultDatabaseURL, "job queue database: a SQLite file, or postgres://… for several replicas")
	fl.StringVar(&f.cacheDir, "cache-dir", "", "where repository clones are kept (default: the user cache directory's dip/repos)")
	fl.IntVar(&f.workers, "workers", queue.DefaultWorkers, "jobs run at once by this process")
	fl.DurationVar(&f.jobTimeout, "job-timeout", queue.DefaultJobTimeout, "bound on one job")
	fl.DurationVar(&f.reconcile, "reconcile-interval", server.DefaultReconcileInterval, "how often to look for work lost with a webhook (0: the default; negative: never)")
	fl.DurationVar(&f.shutdown, "shutdown-timeout", server.DefaultShutdownTimeout, "how long running jobs may finish on SIGTERM")
	fl.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	fl.StringVar(&f.gitlabURL, "gitlab-url", "", "GitLab URL, with its path on a self-managed GitLab under a relative URL (default https://gitlab.com)")
	fl.StringVar(&f.gitlabToken, "gitlab-token", "", "GitLab access token with the api scope (prefer the variable: flags show in ps)")
	fl.StringVar(&f.gitlabSecret, "gitlab-webhook-secret", "", "secret token of dip's GitLab webhooks (prefer the variable)")
	fl.StringVar(&f.auditToken, "audit-token", "", "bearer token of GET /audit, the audit trail; unset turns it off (prefer the variable)")
	fl.VisitAll(func(p *pflag.Flag) {
		if env, ok := serveEnv[p.Name]; ok {
			p.Usage += " [" + env + "]"
		}
	})
	return cmd
}

// applyEnv sets every flag not given on the command line from its
// variable, when that is set and not empty.
func applyEnv(fl *pflag.FlagSet) error {
	var errs []error
	fl.VisitAll(func(p *pflag.Flag) {
		env, ok := serveEnv[p.Name]
		if !ok || p.Changed {
			return
		}
		if v := os.Getenv(env); v != "" {
			if err := fl.Set(p.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", env, v, err))
			}
		}
	})
	return errors.Join(errs...)
}

// config checks the settings and reads the private key, so that a missing
// secret stops dip serve before it listens.
func (f *serveFlags) config(stderr io.Writer) (server.Config, *slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return server.Config{}, nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", f.logLevel)
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	cfg := server.Config{}
	github := f.appID != "" || f.keyFile != "" || f.secret != ""
	gitlab := f.gitlabURL != "" || f.gitlabToken != "" || f.gitlabSecret != ""
	if !github && !gitlab {
		return server.Config{}, nil, errors.New("no code host: set DIP_GITHUB_APP_ID, DIP_GITHUB_PRIVATE_KEY and DIP_GITHUB_WEBHOOK_SECRET for the GitHub App, " +
			"DIP_GITLAB_TOKEN and DIP_GITLAB_WEBHOOK_SECRET (and DIP_GITLAB_URL off gitlab.com) for GitLab, or both (or their flags)")
	}
	if github {
		if err := f.githubConfig(&cfg); err != nil {
			return server.Config{}, nil, err
		}
	}
	if gitlab {
		if strings.TrimSpace(f.gitlabToken) == "" {
			return server.Config{}, nil, errors.New("no GitLab token: set DIP_GITLAB_TOKEN (or --gitlab-token)")
		}
		if strings.TrimSpace(f.gitlabSecret) == "" {
			return server.Config{}, nil, errors.New("no GitLab webhook secret: set DIP_GITLAB_WEBHOOK_SECRET (or --gitlab-webhook-secret)")
		}
		cfg.GitLabURL, cfg.GitLabToken, cfg.GitLabWebhookSecret = f.gitlabURL, f.gitlabToken, []byte(f.gitlabSecret)
	}
	if f.workers < 1 {
		return server.Config{}, nil, fmt.Errorf("--workers %d: at least 1", f.workers)
	}
	cacheDir := f.cacheDir
	if cacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return server.Config{}, nil, fmt.Errorf("no --cache-dir and no user cache directory: %w", err)
		}
		cacheDir = filepath.Join(base, "dip", "repos")
	}
	cfg.Listen, cfg.DatabaseURL, cfg.CacheDir = f.listen, f.databaseURL, cacheDir
	cfg.Workers, cfg.JobTimeout, cfg.ReconcileInterval, cfg.ShutdownTimeout = f.workers, f.jobTimeout, f.reconcile, f.shutdown
	cfg.Bundle, cfg.Logger = policybundle.FS, log
	cfg.AuditToken = []byte(f.auditToken)
	return cfg, log, nil
}

// githubConfig checks the GitHub App's settings and reads its private key
// into cfg.
func (f *serveFlags) githubConfig(cfg *server.Config) error {
	if f.appID == "" {
		return errors.New("no GitHub App id: set --github-app-id or DIP_GITHUB_APP_ID")
	}
	appID, err := strconv.ParseInt(f.appID, 10, 64)
	if err != nil || appID <= 0 {
		return fmt.Errorf("GitHub App id %q is not a positive number", f.appID)
	}
	if f.keyFile == "" {
		return errors.New("no GitHub App private key: set --github-private-key or DIP_GITHUB_PRIVATE_KEY to the PEM file's path")
	}
	key, err := os.ReadFile(f.keyFile)
	if err != nil {
		return fmt.Errorf("GitHub App private key: %w", err)
	}
	if strings.TrimSpace(f.secret) == "" {
		return errors.New("no webhook secret: set DIP_GITHUB_WEBHOOK_SECRET (or --github-webhook-secret)")
	}
	cfg.AppID, cfg.PrivateKey, cfg.WebhookSecret, cfg.APIURL = appID, key, []byte(f.secret), f.apiURL
	return nil
}
