package server_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/dipdev/dip/app/migrationbot"
)

// BenchmarkMigrationBotIdle runs the migration bot, on each forge, on the
// platform repo template with its three migration pull requests open and
// nothing new: the API calls of a run (target: reads only, a handful),
// and its time against the baseline of the two reads alone.
// "after-commit" adds an unrelated commit to the default branch before
// each run, so that the migrations are computed again.
func BenchmarkMigrationBotIdle(b *testing.B) {
	for _, k := range botForgeKinds {
		b.Run(k.name, func(b *testing.B) {
			e := newBotEnv(b, k.new, "{maxNewPullRequestsPerHour: 10}")
			if res, _ := e.run(); len(res.Opened) != 3 {
				b.Fatalf("opened %v", res.Opened)
			}
			e.run()
			report := func(b *testing.B, reads, writes int) {
				b.ReportMetric(float64(reads)/float64(b.N), "api-reads/run")
				b.ReportMetric(float64(writes)/float64(b.N), "api-writes/run")
			}
			b.Run("idle", func(b *testing.B) {
				reads, writes := 0, 0
				for b.Loop() {
					_, c := e.run()
					reads, writes = reads+len(c.reads), writes+len(c.writes)+int(c.pushes)
				}
				report(b, reads, writes)
				if writes > 0 {
					b.Errorf("an idle run wrote")
				}
			})
			b.Run("after-commit", func(b *testing.B) {
				reads, writes := 0, 0
				for i := 0; b.Loop(); i++ {
					b.StopTimer()
					e.commitMain("Unrelated", map[string]string{"NOTES.md": fmt.Sprintf("note %d\n", i)})
					b.StartTimer()
					_, c := e.run()
					reads, writes = reads+len(c.reads), writes+len(c.writes)+int(c.pushes)
				}
				report(b, reads, writes)
			})
			b.Run("baseline-two-reads", func(b *testing.B) {
				ctx := context.Background()
				repo := e.f.repo()
				for b.Loop() {
					if _, err := e.bot.Forge.OpenPullRequests(ctx, repo); err != nil {
						b.Fatal(err)
					}
					if _, err := e.bot.Forge.FindIssues(ctx, repo, migrationbot.Label); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
