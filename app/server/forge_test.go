package server_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// forge is a code host as the end-to-end tests drive it, so that one
// table of scenarios runs against GitHub and GitLab alike. Each forge
// serves the same real repository (env.remote) to dip.
type forge interface {
	name() string
	env() *env
	// start runs dip serve for this forge until the test ends.
	start(o dipOptions) *dip
	// open registers change n, a pull or merge request from branch at
	// sha (from a fork when fork is set), with the host, and delivers its
	// "opened" webhook under delivery id; it returns the answer's status.
	open(d *dip, n int, branch, sha string, fork bool, delivery string) int
	// checks are dip's checks on sha as the host shows them, by name, in
	// dip's terms (conclusion success, failure or neutral).
	checks(sha string) map[string]checkState
	// findings lists where the findings on sha of change n landed: check
	// run annotations on GitHub, merge request threads on GitLab.
	findings(n int, sha string) []placed
	// merge records change n (from branch, by author) as merged into main
	// by the commit merge, approved by approvers, and delivers the push of
	// merge after before.
	merge(d *dip, n int, branch, author string, approvers []string, merge, before, delivery string) int
	// faults makes the host answer the next n writes of checks with a
	// gateway error (502) and the next n requests with a rate limit.
	faults(n int)
	// refuseNextStart makes the host refuse the next start of checks with
	// a 422, so that the job waits for its retry.
	refuseNextStart()
	// checkWrites counts the requests that made checks: check runs created
	// on GitHub, commit statuses set on GitLab.
	checkWrites() int
	// duplicates describes what dip made twice for change n at sha — two
	// check runs of one name, two report notes, two threads of one
	// finding — or is empty.
	duplicates(n int, sha string) string
	// child is the environment that makes runChildForge serve this forge.
	child() []string
	// committer is the host's identity for dip as git prints it,
	// "dip <e-mail>": who dip's commits are by.
	committer() string
}

// checkState is one check as the host shows it.
type checkState struct {
	// done is set once the check completed.
	done       bool
	conclusion string
	// summary is what the host shows of the check: the check run's
	// summary, the merge request's report note.
	summary string
}

// placed is where a finding landed.
type placed struct {
	check, file string
	line        int
}

// forgeKinds are the code hosts every scenario runs against; make sets
// one up on a platform repo seeded from seed.
var forgeKinds = []struct {
	name string
	make func(t testing.TB, seed string) forge
}{{"github", newGitHubForge}, {"gitlab", newGitLabForge}}

// onEachForge runs test on each forge, in parallel, each on a platform
// repo seeded from seed.
func onEachForge(t *testing.T, seed string, test func(t *testing.T, f forge)) {
	for _, k := range forgeKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			test(t, k.make(t, seed))
		})
	}
}

// waitForChecks waits until the four checks on sha are completed on f.
func waitForChecks(t testing.TB, f forge, sha string, timeout time.Duration) map[string]checkState {
	t.Helper()
	var got map[string]checkState
	waitFor(t, timeout, f.name()+": four completed checks on "+sha, func() bool {
		got = f.checks(sha)
		done := 0
		for _, c := range got {
			if c.done {
				done++
			}
		}
		return done == 4
	})
	return got
}

// findingOn returns the finding of check on file, if any.
func findingOn(ps []placed, check, file string) (placed, bool) {
	for _, p := range ps {
		if p.check == check && p.file == file {
			return p, true
		}
	}
	return placed{}, false
}

// noSecretsLogged fails the test when a log line of d holds a secret, is
// no JSON, or tells of completed checks without the event's attributes.
func noSecretsLogged(t *testing.T, d *dip, secrets ...string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(d.logs.String()), "\n") {
		for _, s := range append(secrets, "ghs_", "PRIVATE KEY") {
			if s != "" && strings.Contains(line, s) {
				t.Errorf("a log line carries a secret: %s", line)
			}
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %s", line)
		}
		if rec["msg"] == "checks completed" && (rec["delivery_id"] == nil || rec["repo"] == nil || rec["pr"] == nil || rec["sha"] == nil) {
			t.Errorf("log line lacks delivery_id, repo, pr or sha: %s", line)
		}
	}
}
