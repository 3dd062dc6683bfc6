package server_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/internal/bench"
	policybundle "github.com/dipdev/dip/policy-bundle"
	"github.com/dipdev/dip/vcs/gitfs"
)

// benchSizes are the repo sizes BenchmarkPullRequestChecks measures:
// DIP_BENCH_REQUESTS (such as 100,1000) or 100, 1,000 and 10,000.
func benchSizes(b *testing.B) []int {
	list := os.Getenv("DIP_BENCH_REQUESTS")
	if list == "" {
		list = "100,1000,10000"
	}
	var out []int
	for _, s := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			b.Fatalf("DIP_BENCH_REQUESTS: %q is not a size", s)
		}
		out = append(out, n)
	}
	return out
}

// BenchmarkPullRequestChecks measures a pull request that changes one
// request, opened on platform repos of each size, until its four check
// runs are completed on the fake GitHub: delivery, queue, fetch, check
// and publishing. The server runs on, warm, as in production: one pull
// request is checked before the timing starts (the clone and the first
// facts). The baseline, "check-only", is pipeline.Check of the full path
// on the same two commits, in process, with nothing around it; compare
// each size's pipeline with the smallest's.
func BenchmarkPullRequestChecks(b *testing.B) {
	for _, n := range benchSizes(b) {
		b.Run(fmt.Sprintf("requests=%d", n), func(b *testing.B) { benchPullRequests(b, n) })
	}
}

func benchPullRequests(b *testing.B, n int) {
	seed, changeOf := benchSeed(b, n)
	e := newEnvFrom(b, seed)
	d := e.start(dipOptions{})
	change := func(i int) string { return changeOf(e.remote, i) }
	open := func(b *testing.B, i int, timed bool) {
		if timed {
			b.StopTimer()
		}
		sha := change(i)
		payload := e.pullRequest(100000+i, fmt.Sprintf("change-%d", i), sha, "opened", false)
		if timed {
			b.StartTimer()
		}
		if got := d.deliver(b, "pull_request", fmt.Sprintf("bench-%d", i), payload); got != http.StatusAccepted {
			b.Fatalf("delivery answered %d", got)
		}
		runs := e.waitChecks(sha, 5*time.Minute)
		for name, r := range runs {
			if r.Conclusion != "success" {
				b.Fatalf("%s concluded %q:\n%s", name, r.Conclusion, r.Summary)
			}
		}
	}
	open(b, -2, false) // the clone and the first facts

	// The sub-benchmark may be run more than once (-count): every pull
	// request, branch and delivery id is new all the same.
	next := 0
	b.Run("pipeline", func(b *testing.B) {
		for b.Loop() {
			open(b, next, true)
			next++
		}
	})

	b.Run("check-only", func(b *testing.B) {
		sha := change(-1)
		repo, err := gitfs.Open(e.remote.bare)
		if err != nil {
			b.Fatal(err)
		}
		head, err := gitfs.New(repo, plumbing.NewHash(sha))
		if err != nil {
			b.Fatal(err)
		}
		base, err := gitfs.New(repo, plumbing.NewHash(strings.TrimSpace(e.remote.git(e.remote.bare, "rev-parse", "main"))))
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			run, err := pipeline.Check(b.Context(), pipeline.CheckOptions{
				Head: head, Base: base, Bundle: policybundle.FS, Today: "2026-12-01", Scan: pipeline.DefaultScanner(),
			})
			if err != nil {
				b.Fatal(err)
			}
			if run.Report.Failed() {
				b.Fatal("check failed")
			}
		}
	})
}

// benchSeed writes a platform repo of n requests and returns it with a
// function that commits a change of one of its requests on branch
// change-<i> of a remote seeded from it.
func benchSeed(b *testing.B, n int) (string, func(r *remote, i int) string) {
	seed := filepath.Join(b.TempDir(), "repo")
	if err := bench.Generate(seed, n); err != nil {
		b.Fatal(err)
	}
	var target string
	_ = filepath.WalkDir(filepath.Join(seed, "requests"), func(p string, de os.DirEntry, err error) error {
		if target == "" && err == nil && !de.IsDir() {
			target = p
		}
		return nil
	})
	rel, _ := filepath.Rel(seed, target)
	body, err := os.ReadFile(target)
	if err != nil {
		b.Fatal(err)
	}
	return seed, func(r *remote, i int) string {
		r.checkout("main")
		return r.commit(fmt.Sprintf("change-%d", i), "Change a request",
			map[string]string{filepath.ToSlash(rel): string(body) + fmt.Sprintf("# change %d\n", i)})
	}
}

// BenchmarkMergeRequestChecks is a merge request opened on GitLab on a
// 1,000-request platform repo until its four commit statuses are
// completed, which they are after the report note and the threads:
// delivery, queue, fetch, check, the merge request read twice, the note
// and eight statuses. The same pull request on GitHub is measured beside
// it, in the same run.
func BenchmarkMergeRequestChecks(b *testing.B) {
	seed, change := benchSeed(b, 1000)
	for _, k := range forgeKinds {
		next := 0 // as in benchPullRequests: new numbers when run again
		b.Run(k.name, func(b *testing.B) {
			f := k.make(b, seed)
			d := f.start(dipOptions{})
			for b.Loop() {
				i := next
				next++
				b.StopTimer()
				sha := change(f.env().remote, i)
				b.StartTimer()
				if got := f.open(d, 1000+i, fmt.Sprintf("change-%d", i), sha, false, fmt.Sprintf("bench-%s-%d", f.name(), i)); got != http.StatusAccepted {
					b.Fatalf("delivery answered %d", got)
				}
				for name, c := range waitForChecks(b, f, sha, 2*time.Minute) {
					if c.conclusion != "success" {
						b.Fatalf("%s concluded %q:\n%s", name, c.conclusion, c.summary)
					}
				}
			}
		})
	}
}
