package server_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// completedOn counts the completed check runs on sha.
func (e *env) completedOn(sha string) int {
	n := 0
	for _, r := range e.gh.CheckRuns() {
		if r.HeadSHA == sha && r.Status == "completed" {
			n++
		}
	}
	return n
}

// deliveries of a pull request arrive late or again, out of order: the
// queue takes them as they come, and git and the host's head decide what
// is checked. An older head never gets checks again once the pull request
// moved on, and the newest head always gets its four runs, whether it is
// a push on top or a force-push that rewrote the history.
func TestLateDeliveriesOfOlderHeads(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		// next makes the pull request's next head from its first.
		next func(e *env) string
	}{
		{"push on top", func(e *env) string {
			return e.remote.commit("late", "Add another queue", map[string]string{
				"requests/payments/returns.yaml": replaceName(validQueue, "returns"),
			})
		}},
		{"force-push", func(e *env) string {
			e.remote.git(e.remote.work, "reset", "-q", "--hard", "HEAD~1")
			return e.remote.commit("late", "Add the queue, reworded", map[string]string{
				"requests/payments/refunds.yaml": strings.Replace(validQueue, "[staging, production]", "[staging]", 1),
			})
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			d := e.start(dipOptions{workers: 2})
			first := e.remote.commit("late", "Add a queue", map[string]string{"requests/payments/refunds.yaml": validQueue})
			opened := e.pullRequest(8, "late", first, "opened", false)
			if got := d.deliver(t, "pull_request", "late-1", opened); got != http.StatusAccepted {
				t.Fatalf("opened answered %d", got)
			}
			e.waitChecks(first, time.Minute)

			second := tt.next(e)
			if strings.Contains(e.remote.git(e.remote.work, "log", "--format=%H", second), first) != (tt.name == "push on top") {
				t.Fatalf("%s: the history is not what the case is about", tt.name)
			}
			sync := e.pullRequest(8, "late", second, "synchronize", false)
			d.deliver(t, "pull_request", "late-2", sync)
			// GitHub redelivers the first delivery (a new id), late.
			d.deliver(t, "pull_request", "late-1-redelivered", opened)

			waitFor(t, time.Minute, "both deliveries to be worked", func() bool {
				return countLines(d.logs.String(), `"msg":"job completed"`)+countLines(d.logs.String(), `"msg":"superseded"`) >= 3
			})
			runs := e.waitChecks(second, time.Minute)
			for name, r := range runs {
				if r.Conclusion != "success" {
					t.Errorf("%s on the new head: %s", name, r.Conclusion)
				}
			}
			time.Sleep(300 * time.Millisecond)
			if n := e.completedOn(first); n != 4 {
				t.Errorf("%d completed runs on the old head, want its first 4 only", n)
			}
			if n := len(e.runsOn(first)); n != 4 {
				t.Errorf("check runs on the old head: %v", e.runsOn(first))
			}
		})
	}
}

// A render fetched the default branch at an older commit; before it
// reads the output branch, the branch moves on and the newer commit's
// render lands there (another replica's, say). The older render must not
// land on top of the newer one.
func TestRenderOfAnOlderCommitNeverLandsOnANewerOne(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.start(dipOptions{})
	d.deliver(t, "push", "push-0", e.pushPayload(e.main, e.main))
	waitFor(t, time.Minute, "the first render", func() bool { return e.remote.hasBranch("rendered") })

	e.remote.checkout("main")
	older := e.remote.commit("main", "Add a queue", map[string]string{"requests/payments/refunds.yaml": validQueue})
	var (
		mu    sync.Mutex
		newer string
		packs int
		once  sync.Once
	)
	e.remote.setHook(func(req *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if strings.HasSuffix(req.URL.Path, "/git-upload-pack") {
			packs++
			return
		}
		if packs == 0 || !strings.HasSuffix(req.URL.Path, "/info/refs") {
			return
		}
		// dip has fetched the older commit and now asks for the refs
		// again, for the output branch: the branch moves, and the newer
		// commit's render lands first.
		once.Do(func() {
			e.remote.checkout("main")
			newer = e.remote.commit("main", "Add another queue", map[string]string{
				"requests/payments/returns.yaml": replaceName(validQueue, "returns"),
			})
			e.remote.git(e.remote.work, "fetch", "-q", "origin", "rendered")
			e.remote.git(e.remote.work, "checkout", "-q", "-B", "rendered", "origin/rendered")
			e.remote.commit("rendered", "Render "+newer+"\n\nDip-Source-Commit: "+newer, map[string]string{"NOTE.md": "rendered elsewhere\n"})
			e.remote.checkout("main")
		})
	})
	d.deliver(t, "push", "push-1", e.pushPayload(e.main, older))
	waitFor(t, time.Minute, "the push job to complete", func() bool {
		return countLines(d.logs.String(), `"msg":"job completed","delivery_id":"push-1"`) >= 1
	})
	e.remote.setHook(nil)
	mu.Lock()
	defer mu.Unlock()
	if newer == "" {
		t.Fatal("the branch never moved: the hook did not run")
	}
	top := e.remote.commits("rendered")[0]
	if !strings.Contains(top, "Dip-Source-Commit: "+newer) {
		t.Errorf("the output branch's newest commit is not the newer commit's render:\n%s", top)
	}
}
