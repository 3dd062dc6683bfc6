package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/dipdev/dip/app/migrationbot"
	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/app/queue"
	"github.com/dipdev/dip/vcs"
)

// migrate runs the migration bot on the repository of ev: its own job,
// queued after a push's render and by the reconcile sweep.
func (h *Handler) migrate(ctx context.Context, log *slog.Logger, ev vcs.Event) error {
	if h.Bot == nil {
		log.Info("the migration bot is off; nothing done")
		return nil
	}
	res, err := h.Bot.Run(ctx, ev.Repo)
	if errors.Is(err, migrationbot.ErrPlan) {
		return fmt.Errorf("migrate %s: %w: %w", ev.Repo.FullName(), queue.ErrPermanent, err)
	}
	if err != nil {
		return fmt.Errorf("migrate %s: %w", ev.Repo.FullName(), err)
	}
	log.Info("migration bot done",
		"opened", len(res.Opened), "pushed", len(res.Pushed), "edited", len(res.Edited), "closed", len(res.Closed),
		"left_alone", len(res.LeftAlone), "held_back", len(res.HeldBack), "tracking_issue", res.TrackingIssue, "skipped", res.Skipped)
	return nil
}

// queueMigration queues a run of the migration bot after ev, a push to
// the default branch.
func (h *Handler) queueMigration(ctx context.Context, log *slog.Logger, ev vcs.Event) error {
	if h.Bot == nil || h.Queue == nil {
		return nil
	}
	m := migrateEvent(ev.Repo, ev.SHA, ev.DeliveryID+":migrate")
	if _, err := h.Queue.Enqueue(ctx, m); err != nil {
		return fmt.Errorf("queue the migration bot for %s: %w", ev.Repo.FullName(), err)
	}
	log.Debug("migration bot queued", "delivery_id", m.DeliveryID)
	return nil
}

// migrateEvent is a run of the migration bot on repo's default branch,
// whose head is sha.
func migrateEvent(repo vcs.Repo, sha, deliveryID string) vcs.Event {
	return vcs.Event{
		Host: repo.Host, DeliveryID: deliveryID, Kind: vcs.EventMigrate, Name: "migrate",
		Repo: repo, SHA: sha, Ref: repo.DefaultBranch,
	}
}

// migrateAll is the bot's planner: every pending migration of the tree,
// as dip migrate finds them.
func migrateAll(fsys fs.FS) (*pipeline.Migration, error) {
	return pipeline.Migrate(fsys, pipeline.MigrateOptions{})
}
