package pipeline_test

import (
	"context"
	"crypto/sha256"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/internal/bench"
)

// generatedFS is a generated repo of n requests in memory.
func generatedFS(t *testing.T, n int) fstest.MapFS {
	t.Helper()
	dir := t.TempDir()
	if err := bench.Generate(dir, n); err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(os.DirFS(dir), p)
		m[p] = &fstest.MapFile{Data: data, Mode: 0o644}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// blobsOf gives every file of m its content's hash as id.
func blobsOf(m fstest.MapFS) pipeline.Blobs {
	out := pipeline.Blobs{}
	for p, f := range m {
		if f.Mode.IsRegular() {
			sum := sha256.Sum256(f.Data)
			out[p] = string(sum[:])
		}
	}
	return out
}

func checkWith(t *testing.T, head, base fstest.MapFS, facts *pipeline.FactIndex) *pipeline.CheckRun {
	t.Helper()
	opt := pipeline.CheckOptions{Head: head, Base: base}
	if facts != nil {
		opt.Facts, opt.HeadBlobs, opt.BaseBlobs = facts, blobsOf(head), blobsOf(base)
	}
	return checkFS(t, opt)
}

// checkFS runs the check of opt with the test bundle and the scanners.
func checkFS(t *testing.T, opt pipeline.CheckOptions) *pipeline.CheckRun {
	t.Helper()
	opt.Bundle, opt.Today, opt.PolicyTimeout, opt.Scan = os.DirFS("testdata/bundle"), "2026-06-01", 20*time.Second, pipeline.DefaultScanner()
	run, err := pipeline.Check(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// change is a change of a platform repo, as a test case.
type change struct {
	name string
	// full is set when the change must be judged whole.
	full   bool
	change func(t *testing.T, m fstest.MapFS)
}

// changes returns the base repo the changes apply to and changes of every
// sort.
func changes(t *testing.T) (fstest.MapFS, []change) {
	base := generatedFS(t, 150)
	// A namespace in one environment only, which a service may move to.
	edit(t, base, "requests/team-002/team-002.yaml", "environments: [staging, production]", "environments: [staging]")
	// A misspelled use, whose "did you mean" a new queue changes.
	edit(t, base, "requests/team-001/svc-00037.yaml", "name: queue-", "name: queue-x")
	add := func(m fstest.MapFS, file, body string) { m[file] = &fstest.MapFile{Data: []byte(body), Mode: 0o644} }
	rename := func(m fstest.MapFS, from, to string) { m[to] = m[from]; delete(m, from) }
	return base, []change{
		{"modify a used queue", false, func(t *testing.T, m fstest.MapFS) {
			edit(t, m, "requests/team-000/queue-00006.yaml", "visibilityTimeoutSeconds: 60", "visibilityTimeoutSeconds: 90")
		}},
		{"no change", false, func(t *testing.T, m fstest.MapFS) {}},
		{"add a request", false, func(t *testing.T, m fstest.MapFS) {
			add(m, "requests/team-001/queue-new.yaml", "apiVersion: dip/v1\nkind: Queue\nmetadata:\n  name: queue-new\n  team: team-001\nspec:\n  environments: [staging]\n")
		}},
		{"delete a used request", false, func(t *testing.T, m fstest.MapFS) {
			delete(m, "requests/team-000/queue-00006.yaml")
		}},
		{"rename a request file", false, func(t *testing.T, m fstest.MapFS) {
			rename(m, "requests/team-000/queue-00006.yaml", "requests/team-000/queue-renamed.yaml")
		}},
		{"move a request to another team", false, func(t *testing.T, m fstest.MapFS) {
			rename(m, "requests/team-000/db-00003.yaml", "requests/team-001/db-00003.yaml")
			edit(t, m, "requests/team-001/db-00003.yaml", "team: team-000", "team: team-001")
		}},
		{"remove a team", false, func(t *testing.T, m fstest.MapFS) {
			delete(m, "teams/team-002.yaml")
		}},
		{"change a team", false, func(t *testing.T, m fstest.MapFS) {
			edit(t, m, "teams/team-001.yaml", "costCenter: ", "costCenter: x")
		}},
		{"break a dependency", false, func(t *testing.T, m fstest.MapFS) {
			edit(t, m, "requests/team-000/queue-00006.yaml", "environments: [staging, production]", "environments: [staging]")
		}},
		{"make a used request invalid", false, func(t *testing.T, m fstest.MapFS) {
			edit(t, m, "requests/team-000/queue-00006.yaml", "maxReceiveCount: 3", "maxReceiveCount: many")
		}},
		{"misspell a use", false, func(t *testing.T, m fstest.MapFS) {
			edit(t, m, "requests/team-000/svc-00009.yaml", "name: queue-00006}", "name: queue-0006}")
		}},
		{"introduce a duplicate name", false, func(t *testing.T, m fstest.MapFS) {
			add(m, "requests/team-001/queue-00006.yaml", strings.ReplaceAll(string(m["requests/team-000/queue-00006.yaml"].Data), "team-000", "team-001"))
		}},
		{"duplicate an unchanged name", false, func(t *testing.T, m fstest.MapFS) {
			edit(t, m, "requests/team-001/queue-00007.yaml", "name: queue-00007", "name: queue-00006")
		}},
		{"give a new request an unchanged one's cloud name", false, func(t *testing.T, m fstest.MapFS) {
			// team-000-queue's queue 00006 and team-000's queue-00006 are both
			// named team-000-queue-00006-<env> in the cloud.
			add(m, "teams/team-000-queue.yaml", strings.ReplaceAll(string(m["teams/team-000.yaml"].Data), "team-000", "team-000-queue"))
			q := strings.ReplaceAll(string(m["requests/team-000/queue-00006.yaml"].Data), "team: team-000", "team: team-000-queue")
			add(m, "requests/team-000-queue/00006.yaml", strings.ReplaceAll(q, "name: queue-00006", `name: "00006"`))
		}},
		{"shrink a namespace", false, func(t *testing.T, m fstest.MapFS) {
			edit(t, m, "requests/team-000/team-000.yaml", "environments: [staging, production]", "environments: [production]")
		}},
		{"widen a namespace", false, func(t *testing.T, m fstest.MapFS) {
			edit(t, m, "requests/team-002/team-002.yaml", "environments: [staging]", "environments: [staging, production]")
		}},
		{"rename a namespace with requests in it", false, func(t *testing.T, m fstest.MapFS) {
			edit(t, m, "requests/team-002/team-002.yaml", "name: team-002", "name: team-002-ns")
		}},
		{"add a queue a misspelled use would be told of", false, func(t *testing.T, m fstest.MapFS) {
			q := strings.ReplaceAll(string(m["requests/team-000/queue-00006.yaml"].Data), "queue-00006", "queue-x0006")
			add(m, "requests/team-000/queue-x0006.yaml", q)
		}},
		{"clash with a used request's cloud name", false, func(t *testing.T, m fstest.MapFS) {
			// The clash makes the used queue invalid: its users are told.
			add(m, "teams/team-000-queue.yaml", strings.ReplaceAll(string(m["teams/team-000.yaml"].Data), "team-000", "team-000-queue"))
			q := strings.ReplaceAll(string(m["requests/team-000/queue-00006.yaml"].Data), "team: team-000", "team: team-000-queue")
			add(m, "requests/team-000-queue/00006.yaml", strings.ReplaceAll(q, "name: queue-00006", `name: "00006"`))
		}},
		{"add a Secret named as an unchanged Service's database connections", false, func(t *testing.T, m fstest.MapFS) {
			add(m, "requests/team-000/svc-00009-databases.yaml", "apiVersion: dip/v1\nkind: Secret\nmetadata:\n  name: svc-00009-databases\n  team: team-000\n"+
				"spec:\n  environments: [staging]\n  namespace: team-000\n")
		}},
		{"add a DNS record of an unchanged one's name", false, func(t *testing.T, m fstest.MapFS) {
			add(m, "requests/team-001/dns-again.yaml", strings.NewReplacer("name: dns-00018", "name: dns-again", "team: team-000", "team: team-001").
				Replace(string(m["requests/team-000/dns-00018.yaml"].Data)))
		}},
		{"add a team an unknown team would be told of", false, func(t *testing.T, m fstest.MapFS) {
			edit(t, m, "requests/team-000/queue-00006.yaml", "team: team-000", "team: team-0000")
			add(m, "teams/team-0001.yaml", strings.ReplaceAll(string(m["teams/team-000.yaml"].Data), "team-000", "team-0001"))
		}},
		{"move a service to another namespace", false, func(t *testing.T, m fstest.MapFS) {
			edit(t, m, "requests/team-000/svc-00009.yaml", "namespace: team-000", "namespace: team-002")
		}},
		{"break YAML", false, func(t *testing.T, m fstest.MapFS) {
			edit(t, m, "requests/team-000/queue-00006.yaml", "maxReceiveCount: 3", "maxReceiveCount: [3")
		}},
		{"misplace a file", false, func(t *testing.T, m fstest.MapFS) {
			add(m, "requests/team-000/nested/queue-x.yaml", "kind: Queue\n")
			add(m, "requests/team-000/queue-x.yml", "kind: Queue\n")
		}},
		{"change policies", false, func(t *testing.T, m fstest.MapFS) {
			add(m, "policies/no-queues.rego", "package acme.q\n\ndeny contains \"no queues\" if input.kind == \"Queue\"\n")
		}},
		{"change platform.yaml", true, func(t *testing.T, m fstest.MapFS) {
			edit(t, m, "platform.yaml", "name: ", "name: x")
		}},
	}
}

// TestFactsGiveTheSameReport checks changes of every sort with and
// without a fact index, cold and warm: the reports must be the same, and
// with the index only part of the repo is read.
func TestFactsGiveTheSameReport(t *testing.T) {
	base, tests := changes(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head := clone(base)
			tt.change(t, head)
			want := checkWith(t, head, base, nil)
			facts := pipeline.NewFactIndex()
			for _, temp := range []string{"cold", "warm"} {
				got := checkWith(t, head, base, facts)
				if diff := cmp.Diff(want.Report, got.Report); diff != "" {
					t.Errorf("%s: report differs (-full +facts):\n%s", temp, diff)
				}
				if diff := cmp.Diff(want.Scope, got.Scope); diff != "" {
					t.Errorf("%s: scope differs (-full +facts):\n%s", temp, diff)
				}
				if diff := cmp.Diff(want.Diff, got.Diff); diff != "" {
					t.Errorf("%s: render diff differs (-full +facts):\n%s", temp, diff)
				}
				read := len(got.Head.Source.Requests)
				if partial := read < len(want.Head.Source.Requests); partial == tt.full {
					t.Errorf("%s: read %d of %d requests", temp, read, len(want.Head.Source.Requests))
				}
			}
		})
	}
}

// TestBrokenRequestIsJudged: a change that breaks a request's YAML, or
// adds a file where no request can be, fails dip/validate with --base as
// it does without.
func TestBrokenRequestIsJudged(t *testing.T) {
	base := generatedFS(t, 30)
	head := clone(base)
	edit(t, head, "requests/team-000/queue-00006.yaml", "maxReceiveCount: 3", "maxReceiveCount: [3")
	head["requests/team-001/extra.yml"] = &fstest.MapFile{Data: []byte("kind: Queue\n"), Mode: 0o644}
	for _, facts := range []*pipeline.FactIndex{nil, pipeline.NewFactIndex()} {
		run := checkWith(t, head, base, facts)
		res := run.Report.Results[0]
		files := map[string]bool{}
		for _, a := range res.Annotations {
			files[a.File] = true
		}
		if res.Conclusion != checks.Failure || !files["requests/team-000/queue-00006.yaml"] || !files["requests/team-001/extra.yml"] {
			t.Errorf("facts %v: %s: %s %+v", facts != nil, res.Name, res.Conclusion, res.Annotations)
		}
	}
}
