package server_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dipdev/dip/app/queue"
	"github.com/dipdev/dip/internal/pgtest"
	"github.com/dipdev/dip/vcs"
)

// The migration bot in dip serve, on each forge.

// In dip serve, the bot runs on the reconcile sweep and after each push's
// render, and its pull requests get dip's four checks like any other: the
// sweep finds them unchecked, as it would after a lost webhook.
func TestMigrationPullRequestsAreChecked(t *testing.T) {
	t.Parallel()
	for _, k := range botForgeKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			e := newBotEnv(t, k.new, "{maxNewPullRequestsPerHour: 10}")
			d := e.f.start(dipOptions{reconcile: 300 * time.Millisecond, now: e.clock.now})

			var prs []botPull
			waitFor(t, time.Minute, "three migration pull requests", func() bool {
				prs = e.f.pulls()
				return len(prs) == 3
			})
			for _, p := range prs {
				for name, c := range waitForChecks(t, e.f, e.tip(p.head), 2*time.Minute) {
					if c.conclusion != "success" {
						t.Errorf("%s %s concluded %q:\n%s", e.f.ref(p.number), name, c.conclusion, c.summary)
					}
				}
			}

			// A push to main: rendered, then the bot updates the team's
			// pull request, whose new head is checked in turn.
			before := e.tip(paymentsDB)
			sha := e.commitMain("Add the refunds database", map[string]string{"requests/payments/refunds-db.yaml": newDatabase("refunds-db")})
			e.f.push(d, e.f.env().main, sha, newDeliveryID())
			var head string
			waitFor(t, time.Minute, "the database pull request to move", func() bool {
				head = e.tip(paymentsDB)
				return head != before
			})
			if got := e.r.git(e.r.bare, "rev-parse", head+"^"); got != sha {
				t.Errorf("the new head's parent is %s, want the pushed commit %s", got, sha)
			}
			for name, c := range waitForChecks(t, e.f, head, 2*time.Minute) {
				if c.conclusion != "success" {
					t.Errorf("%s concluded %q:\n%s", name, c.conclusion, c.summary)
				}
			}
			waitFor(t, time.Minute, "the render of the push", func() bool { return strings.Contains(d.logs.String(), "rendered output committed") })
			if !strings.Contains(d.logs.String(), `"msg":"migration bot done"`) {
				t.Errorf("no migration bot run in the logs")
			}
			who := e.f.committer()
			if got := e.r.git(e.r.bare, "log", "-1", "--format=%an <%ae>|%cn <%ce>", head); got != who+"|"+who {
				t.Errorf("the bot's commit in dip serve is by %s, want %s", got, who)
			}
		})
	}
}

// A person closes one of the bot's pull requests: its webhook runs the bot
// at once, which lists the migration as ignored in the tracking issue,
// with no reconcile sweep in between.
func TestClosedMigrationPullRequestRunsTheBot(t *testing.T) {
	t.Parallel()
	for _, k := range botForgeKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			e := newBotEnv(t, k.new, "{maxNewPullRequestsPerHour: 10}")
			d := e.f.start(dipOptions{reconcile: time.Hour, now: e.clock.now})
			var db botPull
			waitFor(t, time.Minute, "three migration pull requests", func() bool {
				prs := e.f.pulls()
				for _, p := range prs {
					if p.head == paymentsDB {
						db = p
					}
				}
				return len(prs) == 3 && len(e.f.issues()) == 1
			})
			waitFor(t, time.Minute, "the first bot run to end", func() bool {
				return strings.Contains(d.logs.String(), `"msg":"migration bot done"`)
			})
			e.f.closePull(db.number)
			if got := e.f.closed(d, db, e.tip(paymentsDB), newDeliveryID()); got != 202 {
				t.Fatalf("the close's delivery answered %d, want 202", got)
			}
			waitFor(t, time.Minute, "the tracking issue to list the closed pull request", func() bool {
				body := e.f.issues()[0].body
				return strings.Contains(body, "## Ignored") && strings.Contains(body, e.f.ref(db.number))
			})
			if n := countLines(d.logs.String(), "reconcile sweep done"); n != 1 {
				t.Errorf("%d sweeps: the close was noticed by a sweep, not by its webhook", n)
			}
		})
	}
}

// Two replicas on one PostgreSQL database, each with one worker, are
// given a run of the migration bot on the same repository at the same
// moment: one runs while the other waits for the repository's lease, so
// that the pull requests and the tracking issue are made once.
func TestReplicasRunTheBotOnce(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	for _, k := range botForgeKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			url := pgtest.URL(t)
			e := newBotEnv(t, k.new, "{maxNewPullRequestsPerHour: 10}")
			replicas := []*dip{
				e.f.start(dipOptions{databaseURL: url, workers: 1, now: e.clock.now}),
				e.f.start(dipOptions{databaseURL: url, workers: 1, now: e.clock.now}),
			}
			// A third opening of the queue, never started, only queues.
			q, err := queue.Open(context.Background(), queue.Config{DatabaseURL: url},
				queue.HandlerFunc(func(context.Context, vcs.Event) error { return errors.New("not started") }))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { q.Close() })
			m := e.f.mark()
			for i := range 2 {
				ev := vcs.Event{Host: e.f.repo().Host, DeliveryID: fmt.Sprintf("migrate-%d", i), Kind: vcs.EventMigrate, Name: "migrate",
					Repo: e.f.repo(), Ref: "main", SHA: e.f.env().main}
				if ok, err := q.Enqueue(context.Background(), ev); err != nil || !ok {
					t.Fatalf("Enqueue: %v, %v", ok, err)
				}
			}
			runs := func() (n int) {
				for _, d := range replicas {
					n += countLines(d.logs.String(), `"msg":"migration bot done"`)
				}
				return n
			}
			waitFor(t, 2*time.Minute, "two runs of the migration bot", func() bool { return runs() >= 2 })
			c := e.f.asked(m)
			if got := strings.Count(c.writeList(), "open pull"); got != 3 {
				t.Errorf("%d pull requests opened, want 3: %s", got, c)
			}
			if got := strings.Count(c.writeList(), "open issue"); got != 1 || len(e.f.issues()) != 1 {
				t.Errorf("%d tracking issues opened, %d in all, want one: %s", got, len(e.f.issues()), c)
			}
			for i, d := range replicas {
				if strings.Contains(d.logs.String(), `"msg":"job will retry"`) {
					t.Errorf("replica %d retried a job:\n%s", i+1, d.logs)
				}
			}
		})
	}
}
