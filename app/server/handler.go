// Package server is dip serve: the GitHub App and the GitLab integration,
// one or both, behind one vcs.Hosts. Webhook deliveries are
// verified and queued by package webhook; the Handler here works them from
// the durable queue — checks of pull requests (pull_request.go), renders
// of merges committed to the output branch (push.go), runs of the
// migration bot (migrate.go) — and the Reconciler
// finds work whose webhook was lost (reconcile.go). Server (server.go)
// puts it together behind the HTTP endpoints.
//
// Deliveries come in any order, late and again, and the queue skips a job
// only by enqueue order (see package queue). So the Handler never trusts
// an event to name the newest commit. A check works the pull request's
// head as fetched from the host: an event of an older head checks the
// newer head instead when that has none of dip's runs yet, and nothing
// when it has, so an older head never gets checks again once its pull
// request moved on, and a force-push's new head is checked by whichever
// job runs last (pull_request.go, target). A render works the default
// branch's head as fetched, and commits only when the last rendered
// source commit is not that head or a descendant of it (push.go).
package server

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/dipdev/dip/app/migrationbot"
	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/app/queue"
	"github.com/dipdev/dip/app/repocache"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/webhook"
)

// Handler works the events of the queue. It is safe for concurrent use.
type Handler struct {
	Provider vcs.Provider
	Cache    *repocache.Cache
	// Bundle is the default policy bundle.
	Bundle fs.FS
	// Scan runs the scanners; nil runs none.
	Scan          pipeline.Scanner
	PolicyTimeout time.Duration
	Logger        *slog.Logger
	// Now is the clock exceptions expire by and commits are dated with;
	// nil is time.Now.
	Now func() time.Time
	// Committer, when set, signs the output branch's commits instead of
	// the host's identity for dip (Provider.Committer).
	Committer vcs.Signature
	// Bot keeps the migration pull requests; nil turns it off.
	Bot *migrationbot.Bot
	// Queue takes the jobs a job leads to: the migration bot's run after
	// a push's render.
	Queue webhook.Enqueuer
}

var _ queue.Handler = (*Handler)(nil)

// Handle does the work of one event. Errors are retried by the queue; one
// wrapping queue.ErrPermanent is not.
func (h *Handler) Handle(ctx context.Context, ev vcs.Event) error {
	log := h.logger().With(eventAttrs(ev)...)
	if ev.Commenter != "" {
		// A command in a comment counts only from a member of the
		// repository; the webhook could not ask, the job can.
		member, err := h.Provider.IsMember(ctx, ev.Repo, ev.Commenter)
		if err != nil {
			return fmt.Errorf("is %s a member of %s: %w", ev.Commenter, ev.Repo.FullName(), err)
		}
		if !member {
			log.Info("command from someone who is not a member of the repository; ignored", "commenter", ev.Commenter)
			return nil
		}
	}
	switch ev.Kind {
	case vcs.EventCheck, vcs.EventMergeGroup:
		return h.check(ctx, log, ev)
	case vcs.EventPush:
		return h.push(ctx, log, ev)
	case vcs.EventMigrate:
		return h.migrate(ctx, log, ev)
	case vcs.EventInstallation:
		// The reconcile sweep takes up new repositories; nothing is owed
		// to the installation itself.
		log.Info("installation changed", "repositories_added", len(ev.Repos))
		return nil
	case vcs.EventPing:
		return nil
	default:
		return fmt.Errorf("event %s of %s: %w: unknown kind %q", ev.DeliveryID, ev.Repo.FullName(), queue.ErrPermanent, ev.Kind)
	}
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Logger
}

func (h *Handler) now() time.Time {
	if h.Now == nil {
		return time.Now()
	}
	return h.Now()
}

// committer is who commits to repo: Committer, or the host's identity.
func (h *Handler) committer(repo vcs.Repo) vcs.Signature {
	if h.Committer.Email != "" {
		return h.Committer
	}
	return h.Provider.Committer(repo)
}

// eventAttrs are the attributes of every log line about ev.
func eventAttrs(ev vcs.Event) []any {
	attrs := []any{slog.String("delivery_id", ev.DeliveryID), slog.String("event", ev.Name), slog.String("kind", string(ev.Kind))}
	if ev.Repo.Owner != "" {
		attrs = append(attrs, slog.String("repo", ev.Repo.FullName()))
	}
	if ev.PullRequest != nil {
		attrs = append(attrs, slog.Int("pr", ev.PullRequest.Number))
	}
	if ev.SHA != "" {
		attrs = append(attrs, slog.String("sha", ev.SHA))
	}
	return attrs
}
