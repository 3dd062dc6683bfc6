package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dipdev/dip/internal/bench"
)

// completedLine is the "checks completed" log line of one check.
type completedLine struct {
	SHA          string `json:"sha"`
	Conclusions  string `json:"conclusions"`
	RequestsRead int    `json:"requests_read"`
	Requests     int    `json:"requests"`
}

func completedLines(t *testing.T, logs string) map[string]completedLine {
	t.Helper()
	out := map[string]completedLine{}
	for _, line := range strings.Split(logs, "\n") {
		if !strings.Contains(line, `"msg":"checks completed"`) {
			continue
		}
		var c completedLine
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatal(err)
		}
		out[c.SHA] = c
	}
	return out
}

// dip serve checks a pull request as dip check --base does: it reads the
// request files the change touches and what bears on them, knowing the
// others by facts kept per blob in the repository cache, which survive a
// restart.
func TestPullRequestChecksReadOnlyTheChange(t *testing.T) {
	t.Parallel()
	seed := filepath.Join(t.TempDir(), "repo")
	if err := bench.Generate(seed, 200); err != nil {
		t.Fatal(err)
	}
	e := newEnvFrom(t, seed)
	cache := t.TempDir()
	d := e.start(dipOptions{cacheDir: cache})
	file := "requests/team-001/queue-00009.yaml"
	body, err := os.ReadFile(filepath.Join(seed, filepath.FromSlash(file)))
	if err != nil {
		t.Fatal(err)
	}
	open := func(d *dip, n int) string {
		e.remote.checkout("main")
		branch := fmt.Sprintf("change-%d", n)
		sha := e.remote.commit(branch, "Change a queue", map[string]string{file: string(body) + fmt.Sprintf("# change %d\n", n)})
		if got := d.deliver(t, "pull_request", branch, e.pullRequest(n, branch, sha, "opened", false)); got != http.StatusAccepted {
			t.Fatalf("delivery answered %d", got)
		}
		for name, r := range e.waitChecks(sha, time.Minute) {
			if r.Conclusion != "success" {
				t.Errorf("%s concluded %q:\n%s", name, r.Conclusion, r.Summary)
			}
		}
		// The runs complete before the job ends; its last line follows
		// the save.
		waitFor(t, time.Minute, "the check's last log line", func() bool {
			_, ok := completedLines(t, d.logs.String())[sha]
			return ok
		})
		return sha
	}
	first := open(d, 1)
	facts, err := filepath.Glob(filepath.Join(cache, "github", "*.git", "dip", "facts"))
	if err != nil || len(facts) != 1 {
		t.Fatalf("fact index files %v (%v), want one in the repository's clone", facts, err)
	}
	firstLogs := d.logs.String()
	d.stop(t)
	d = e.start(dipOptions{cacheDir: cache})
	second := open(d, 2)

	for _, c := range []struct {
		sha  string
		logs string
	}{{first, firstLogs}, {second, d.logs.String()}} {
		line, ok := completedLines(t, c.logs)[c.sha]
		if !ok {
			t.Fatalf("no checks completed line for %s:\n%s", c.sha, c.logs)
		}
		if line.Requests != 200 || line.RequestsRead == 0 || line.RequestsRead > 20 {
			t.Errorf("check of %s read %d of %d requests, want a few of 200", c.sha, line.RequestsRead, line.Requests)
		}
	}
}
