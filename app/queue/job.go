package queue

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/dipdev/dip/vcs"
)

// eventArgs is the job of one delivery.
type eventArgs struct {
	Event vcs.Event `json:"event"`
}

func (eventArgs) Kind() string { return "dip_event" }

func (eventArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: MaxAttempts}
}

// pruneArgs is the periodic job that forgets old delivery ids and heads.
type pruneArgs struct{}

func (pruneArgs) Kind() string { return "dip_prune" }

// pruneInterval is how often the leader prunes.
const pruneInterval = time.Hour

// sqlitePollInterval is how often a SQLite queue looks for new jobs. River
// has no notification on SQLite, and a job inserted in a transaction waits
// for the next poll.
const sqlitePollInterval = 200 * time.Millisecond

// headOf returns the pull request or branch whose newest commit ev is
// about, and the head commit ev reports for it; ok is false for events
// that nothing supersedes. For a pull request the head is the pull
// request's, which may be newer than the commit to check, as when a check
// of an older commit is requested again.
func headOf(ev vcs.Event) (subject, head string, ok bool) {
	repo := string(ev.Host) + ":" + ev.Repo.FullName()
	switch {
	case ev.Kind == vcs.EventCheck && ev.PullRequest != nil:
		head = cmp.Or(ev.PullRequest.HeadSHA, ev.SHA)
		subject = repo + "#" + strconv.Itoa(ev.PullRequest.Number)
	case ev.Kind == vcs.EventPush && ev.Ref != "":
		head = ev.SHA
		subject = repo + "@" + ev.Ref
	case ev.Kind == vcs.EventMigrate && ev.Ref != "":
		head = ev.SHA
		subject = repo + "@" + ev.Ref + ":migrate"
	}
	return subject, head, subject != "" && head != ""
}

// commitOf is the commit ev asks to check or render.
func commitOf(ev vcs.Event) string {
	if ev.PullRequest != nil {
		return cmp.Or(ev.SHA, ev.PullRequest.HeadSHA)
	}
	return ev.SHA
}

// eventAttrs are the attributes of every log line about ev.
func eventAttrs(ev vcs.Event) []slog.Attr {
	attrs := []slog.Attr{
		slog.String("delivery_id", ev.DeliveryID),
		slog.String("event", ev.Name),
	}
	if ev.Action != "" {
		attrs = append(attrs, slog.String("action", ev.Action))
	}
	attrs = append(attrs, slog.String("kind", string(ev.Kind)))
	if ev.Repo.Owner != "" || ev.Repo.Name != "" {
		attrs = append(attrs, slog.String("repo", ev.Repo.FullName()))
	}
	if ev.PullRequest != nil {
		attrs = append(attrs, slog.Int("pr", ev.PullRequest.Number))
	}
	if sha := commitOf(ev); sha != "" {
		attrs = append(attrs, slog.String("sha", sha))
	}
	return attrs
}

// riverConfig is the River client's configuration for q; poll, when not
// zero, is how often to look for new jobs.
func (q *Queue) riverConfig(poll time.Duration) *river.Config {
	workers := river.NewWorkers()
	river.AddWorker(workers, &eventWorker{q: q})
	river.AddWorker(workers, &pruneWorker{q: q})
	return &river.Config{
		Logger:               q.log.With(slog.String("component", "river")),
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: q.cfg.Workers}},
		Workers:              workers,
		JobTimeout:           q.cfg.JobTimeout,
		RescueStuckJobsAfter: q.cfg.RescueAfter,
		MaxAttempts:          MaxAttempts,
		FetchPollInterval:    poll,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(pruneInterval),
				func() (river.JobArgs, *river.InsertOpts) { return pruneArgs{}, nil },
				&river.PeriodicJobOpts{ID: "dip_prune", RunOnStart: true}),
		},
	}
}

// eventWorker works event jobs: skips superseded ones, calls the Handler,
// and classifies its error.
type eventWorker struct {
	river.WorkerDefaults[eventArgs]
	q *Queue
}

func (w *eventWorker) Timeout(*river.Job[eventArgs]) time.Duration { return w.q.cfg.JobTimeout }

func (w *eventWorker) Work(ctx context.Context, job *river.Job[eventArgs]) error {
	ev := job.Args.Event
	attrs := append(eventAttrs(ev), slog.Int64("job_id", job.ID), slog.Int("attempt", job.Attempt))
	log := w.q.log
	m := w.q.metrics

	if latest, superseded, err := w.superseded(ctx, ev); err != nil {
		log.LogAttrs(ctx, slog.LevelWarn, "job will retry", append(attrs, slog.String("error", err.Error()))...)
		m.finished(ev.Kind, outcomeRetried)
		return err
	} else if superseded {
		log.LogAttrs(ctx, slog.LevelInfo, "superseded", append(attrs, slog.String("latest_sha", latest))...)
		m.finished(ev.Kind, outcomeSuperseded)
		return nil
	}

	release, err := w.lease(ctx, job.ID, ev, attrs)
	if err != nil {
		return err
	}
	defer release()

	start := time.Now()
	err = w.handle(ctx, ev)
	elapsed := time.Since(start)
	m.observe(ev.Kind, elapsed)
	attrs = append(attrs, slog.Duration("duration", elapsed))
	switch {
	case err == nil:
		log.LogAttrs(ctx, slog.LevelInfo, "job completed", attrs...)
		m.finished(ev.Kind, outcomeCompleted)
		return nil
	case errors.Is(err, ErrPermanent):
		log.LogAttrs(ctx, slog.LevelError, "job cancelled", append(attrs, slog.String("error", err.Error()))...)
		m.finished(ev.Kind, outcomeCancelled)
		return river.JobCancel(err)
	case job.Attempt >= job.MaxAttempts:
		log.LogAttrs(ctx, slog.LevelError, "job failed", append(attrs, slog.String("error", err.Error()))...)
		m.finished(ev.Kind, outcomeFailed)
		return err
	default:
		log.LogAttrs(ctx, slog.LevelWarn, "job will retry", append(attrs, slog.String("error", err.Error()))...)
		m.finished(ev.Kind, outcomeRetried)
		return err
	}
}

// superseded reports whether the newest head enqueued for ev's pull
// request or branch is another commit than ev's, and which.
func (w *eventWorker) superseded(ctx context.Context, ev vcs.Event) (string, bool, error) {
	subject, _, ok := headOf(ev)
	if !ok {
		return "", false, nil
	}
	latest, found, err := w.q.backend.latestHead(ctx, subject)
	if err != nil {
		return "", false, fmt.Errorf("read head of %s: %w", subject, err)
	}
	return latest, found && latest != commitOf(ev), nil
}

// handle calls the Handler, turning a panic into an error to retry.
func (w *eventWorker) handle(ctx context.Context, ev vcs.Event) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panicked: %v\n%s", r, debug.Stack())
		}
	}()
	return w.q.handler.Handle(ctx, ev)
}

// pruneWorker forgets delivery ids and heads older than the retention.
type pruneWorker struct {
	river.WorkerDefaults[pruneArgs]
	q *Queue
}

func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[pruneArgs]) error {
	if err := w.q.backend.prune(ctx, time.Now().Add(-w.q.cfg.Retention)); err != nil {
		w.q.log.LogAttrs(ctx, slog.LevelWarn, "prune will retry", slog.String("error", err.Error()))
		return err
	}
	return nil
}
