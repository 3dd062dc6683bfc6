package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The end-to-end scenarios, each on GitHub and on GitLab.

// smallQueue is validQueue for testdata/small, which has staging only.
var smallQueue = strings.Replace(validQueue, "[staging, production]", "[staging]", 1)

func TestChecksOnEachForge(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		files map[string]string
		fork  bool
		want  map[string]string
		// check's finding must sit on file, at line when not zero.
		check, file string
		line        int
		// summary is a word the check's summary holds.
		summary string
	}{
		{name: "valid", files: map[string]string{"requests/payments/refunds.yaml": validQueue},
			want:  map[string]string{"dip/validate": "success", "dip/policy": "success", "dip/scan": "success", "dip/render": "success"},
			check: "dip/render", summary: "refunds"},
		{name: "schema-error", files: map[string]string{"requests/payments/refunds-bad.yaml": schemaError},
			want:  map[string]string{"dip/validate": "failure"},
			check: "dip/validate", file: "requests/payments/refunds-bad.yaml", line: 8},
		{name: "policy-violation", files: map[string]string{"requests/payments/refunds-plain.yaml": unencrypted}, fork: true,
			want:  map[string]string{"dip/validate": "success", "dip/policy": "failure"},
			check: "dip/policy", file: "requests/payments/refunds-plain.yaml", line: 8},
		{name: "leaked-secret", files: map[string]string{"requests/payments/leaky.yaml": leaked},
			want:  map[string]string{"dip/validate": "success", "dip/scan": "failure"},
			check: "dip/scan", file: "requests/payments/leaky.yaml", line: 10},
		// A change cannot weaken the rules it is judged by.
		{name: "deleted-policy", files: map[string]string{
			"policies/secret-rotation.rego": "", "policies/secret-rotation_test.rego": "", "requests/payments/forever.yaml": unrotated},
			want:  map[string]string{"dip/policy": "failure"},
			check: "dip/policy", file: "requests/payments/forever.yaml", summary: "impact"},
	}
	onEachForge(t, "../../platform-repo-template", func(t *testing.T, f forge) {
		e, d := f.env(), f.start(dipOptions{})
		shas := map[string]string{}
		for i, c := range cases {
			e.remote.checkout("main")
			sha := e.remote.commit("add-"+c.name, "Change "+c.name, c.files)
			shas[c.name] = sha
			if got := f.open(d, 10+i, "add-"+c.name, sha, c.fork, "delivery-"+c.name); got != http.StatusAccepted {
				t.Fatalf("%s: delivery answered %d, want 202", c.name, got)
			}
		}
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				checks := waitForChecks(t, f, shas[c.name], time.Minute)
				for name, want := range c.want {
					if got := checks[name].conclusion; got != want {
						t.Errorf("%s concluded %q, want %q; summary:\n%s", name, got, want, checks[name].summary)
					}
				}
				if c.summary != "" && !strings.Contains(strings.ToLower(checks[c.check].summary), c.summary) {
					t.Errorf("%s summary lacks %q:\n%s", c.check, c.summary, checks[c.check].summary)
				}
				if c.file == "" {
					return
				}
				p, ok := findingOn(f.findings(10+i, shas[c.name]), c.check, c.file)
				if !ok {
					t.Fatalf("%s has no finding on %s: %+v", c.check, c.file, f.findings(10+i, shas[c.name]))
				}
				if c.line != 0 && p.line != c.line {
					t.Errorf("%s finding on line %d, want %d", c.check, p.line, c.line)
				}
			})
		}
		// Checks never write to a change's branch, a fork's least of all.
		if n := e.remote.pushes.Load(); n != 0 {
			t.Errorf("%d pushes during checks, want none", n)
		}
		noSecretsLogged(t, d, secret, gitlabSecret, "glpat-")
	})
}

func TestRedeliveryOnEachForge(t *testing.T) {
	t.Parallel()
	onEachForge(t, "testdata/small", func(t *testing.T, f forge) {
		e, d := f.env(), f.start(dipOptions{})
		sha := e.remote.commit("dup", "Add a queue", map[string]string{"requests/payments/refunds.yaml": smallQueue})
		if got := f.open(d, 3, "dup", sha, false, "same-id"); got != http.StatusAccepted {
			t.Fatalf("first delivery answered %d", got)
		}
		if got := f.open(d, 3, "dup", sha, false, "same-id"); got != http.StatusOK {
			t.Fatalf("redelivery answered %d, want 200", got)
		}
		waitForChecks(t, f, sha, time.Minute)
		writes := f.checkWrites()
		time.Sleep(500 * time.Millisecond)
		if n := countLines(d.logs.String(), `"msg":"checks completed"`); n != 1 || f.checkWrites() != writes {
			t.Errorf("checks completed %d times, check writes %d then %d: the redelivery was worked", n, writes, f.checkWrites())
		}
		if dup := f.duplicates(3, sha); dup != "" {
			t.Errorf("made twice: %s", dup)
		}
	})
}

// Injected 502s and rate limits slow the checks down but do not stop
// them, nor make anything twice.
func TestFaultsOnEachForge(t *testing.T) {
	t.Parallel()
	onEachForge(t, "testdata/small", func(t *testing.T, f forge) {
		e, d := f.env(), f.start(dipOptions{})
		sha := e.remote.commit("faults", "Add a queue", map[string]string{"requests/payments/refunds.yaml": smallQueue})
		f.faults(2)
		f.open(d, 4, "faults", sha, false, "faults-1")
		for name, c := range waitForChecks(t, f, sha, 2*time.Minute) {
			if c.conclusion != "success" {
				t.Errorf("%s concluded %q, want success", name, c.conclusion)
			}
		}
		if dup := f.duplicates(4, sha); dup != "" {
			t.Errorf("made twice: %s", dup)
		}
	})
}

// A merge renders the repo at the merge commit and commits it to the
// output branch with the audit trailers of the pull or merge request.
func TestMergeOnEachForge(t *testing.T) {
	t.Parallel()
	onEachForge(t, "testdata/small", func(t *testing.T, f forge) {
		e, d := f.env(), f.start(dipOptions{})
		e.remote.checkout("main")
		e.remote.commit("refunds", "Add the refunds queue", map[string]string{"requests/payments/refunds.yaml": smallQueue})
		merge := e.remote.merge("refunds", "Merge branch 'refunds' into 'main'")
		if got := f.merge(d, 21, "refunds", "alice", []string{"dave", "bob"}, merge, e.main, "push-1"); got != http.StatusAccepted {
			t.Fatalf("push answered %d", got)
		}
		waitFor(t, time.Minute, "a rendered commit", func() bool {
			if strings.Contains(d.logs.String(), "does not validate") {
				t.Fatalf("the merge does not validate:\n%s", d.logs)
			}
			return e.remote.hasBranch("rendered")
		})
		msg := e.remote.commits("rendered")[0]
		for _, want := range []string{
			"Dip-Source-Commit: " + merge,
			"Dip-Pull-Request: 21 ",
			"Dip-Requested-By: alice",
			"Dip-Approved-By: bob\nDip-Approved-By: dave\n",
			"Dip-Request: requests/payments/refunds.yaml",
		} {
			if !strings.Contains(msg+"\n", want) {
				t.Errorf("rendered commit message lacks %q:\n%s", want, msg)
			}
		}
		if f.name() == "gitlab" && !strings.Contains(msg, fmt.Sprintf("/-/merge_requests/%d", 21)) {
			t.Errorf("the merge request's URL is not its web URL:\n%s", msg)
		}
		// The commit is by the host's identity for dip, not another host's.
		if got, want := e.remote.git(e.remote.bare, "log", "-1", "--format=%an <%ae>|%cn <%ce>", "rendered"), f.committer()+"|"+f.committer(); got != want {
			t.Errorf("rendered commit by %s, want %s", got, want)
		}
		tree := e.remote.git(e.remote.bare, "ls-tree", "-r", "--name-only", "rendered")
		if !strings.Contains(tree, "rendered/staging/payments/refunds/terraform/main.tf") {
			t.Errorf("output branch lacks the rendered queue:\n%s", tree)
		}
	})
}
