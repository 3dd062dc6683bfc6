package migrationbot

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/google/go-cmp/cmp"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/vcs"
)

func migrated(path, kind string, codemods ...string) pipeline.MigratedFile {
	parts := strings.Split(path, "/")
	return pipeline.MigratedFile{Path: path, Team: parts[1], Kind: kind, Name: strings.TrimSuffix(parts[2], ".yaml"),
		From: "dip/v1", To: "dip/v3", Codemods: codemods, Equivalent: true}
}

func TestGroupFiles(t *testing.T) {
	files := []pipeline.MigratedFile{
		migrated("requests/a/db1.yaml", "PostgresDatabase", "pg-v1-to-v2", "pg-v2-to-v3"),
		migrated("requests/a/db2.yaml", "PostgresDatabase", "pg-v2-to-v3"),
		migrated("requests/a/svc.yaml", "Service", "service-v1-to-v2"),
		migrated("requests/b/db.yaml", "PostgresDatabase", "pg-v2-to-v3"),
		migrated("requests/b/gone.yaml", "PostgresDatabase", "pg-v2-to-v3"),
	}
	declined := func(k migrationKey) bool { return k == migrationKey{"requests/b/gone.yaml", "dip/v3"} }
	summary := func(gs []*group) []string {
		var out []string
		for _, g := range gs {
			var paths []string
			for _, f := range g.files {
				paths = append(paths, f.Path)
			}
			out = append(out, g.branch+" "+strings.Join(g.codemods(), ",")+" "+strings.Join(paths, ","))
		}
		return out
	}
	// A chain v1 → v2 → v3 shares the branch of the codemod that ends it.
	want := []string{
		"dip/migrate/pg-v2-to-v3/a pg-v1-to-v2,pg-v2-to-v3 requests/a/db1.yaml,requests/a/db2.yaml",
		"dip/migrate/pg-v2-to-v3/b pg-v2-to-v3 requests/b/db.yaml",
		"dip/migrate/service-v1-to-v2/a service-v1-to-v2 requests/a/svc.yaml",
	}
	if diff := cmp.Diff(want, summary(groupFiles(files, platform.GroupByTeam, declined))); diff != "" {
		t.Errorf("by team (-want +got):\n%s", diff)
	}
	want = []string{
		"dip/migrate-request/pg-v2-to-v3/a/db1 pg-v1-to-v2,pg-v2-to-v3 requests/a/db1.yaml",
		"dip/migrate-request/pg-v2-to-v3/a/db2 pg-v2-to-v3 requests/a/db2.yaml",
		"dip/migrate-request/pg-v2-to-v3/b/db pg-v2-to-v3 requests/b/db.yaml",
		"dip/migrate-request/service-v1-to-v2/a/svc service-v1-to-v2 requests/a/svc.yaml",
	}
	if diff := cmp.Diff(want, summary(groupFiles(files, platform.GroupByRequest, declined))); diff != "" {
		t.Errorf("by request (-want +got):\n%s", diff)
	}
	g := groupFiles(files, platform.GroupByRequest, declined)[0]
	if got := g.title(); got != "Migrate a/db1 to PostgresDatabase dip/v3" {
		t.Errorf("title %q", got)
	}
	if msg := g.commitMessage(); !strings.HasSuffix(msg, "\nDip-Codemod: pg-v1-to-v2\nDip-Codemod: pg-v2-to-v3\n") {
		t.Errorf("commit message:\n%s", msg)
	}
}

func TestRefPart(t *testing.T) {
	for in, want := range map[string]string{
		"payments":               "payments",
		"a b/c":                  "a-b-c",
		"..lock":                 "lock",
		"x.lock":                 "x",
		".hidden":                "hidden",
		"a..b":                   "a.b",
		"-dash-":                 "dash",
		"ünï":                    "n",
		"":                       "x",
		strings.Repeat("a", 150): strings.Repeat("a", 100),
	} {
		if got := refPart(in); got != want {
			t.Errorf("refPart(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDecide(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	g := func(branch string) *group {
		return &group{branch: branch, files: []pipeline.MigratedFile{{Path: "requests/x/" + branch + ".yaml"}}}
	}
	tip := plumbing.NewHash("1111111111111111111111111111111111111111")
	pr := func(n int, branch string) *openPull {
		return &openPull{PullRequest: vcs.PullRequest{Number: n, HeadRef: branch}}
	}
	limits := platform.Migrations{MaxOpenPullRequests: 3, MaxNewPullRequestsPerHour: 2}
	cases := []struct {
		name     string
		limits   platform.Migrations
		groups   []*group
		pulls    map[string]*openPull
		branches map[string]branchState
		mem      memory
		blocked  map[string]bool
		want     string
	}{
		{name: "opens within the hourly limit", limits: limits,
			groups: []*group{g("a"), g("b"), g("c")},
			want:   "a:open b:open c:hold(at most 2 migration pull requests are opened per hour (`spec.migrations.maxNewPullRequestsPerHour`); the next after 2026-12-01 13:00 UTC)"},
		{name: "opened earlier in the hour count", limits: limits,
			groups: []*group{g("a"), g("b")},
			mem:    memory{Recent: []time.Time{now.Add(-50 * time.Minute), now.Add(-2 * time.Hour)}},
			want:   "a:open b:hold(at most 2 migration pull requests are opened per hour (`spec.migrations.maxNewPullRequestsPerHour`); the next after 2026-12-01 12:10 UTC)"},
		{name: "open limit", limits: platform.Migrations{MaxOpenPullRequests: 2, MaxNewPullRequestsPerHour: 10},
			groups:   []*group{g("a"), g("b"), g("c")},
			pulls:    map[string]*openPull{"a": pr(1, "a")},
			branches: map[string]branchState{"a": {tip: tip, ours: true, same: true}},
			want:     "a:keep b:open c:hold(at most 2 migration pull requests are open at once (`spec.migrations.maxOpenPullRequests`))"},
		{name: "closing frees a place", limits: platform.Migrations{MaxOpenPullRequests: 1, MaxNewPullRequestsPerHour: 10},
			groups:   []*group{g("b")},
			pulls:    map[string]*openPull{"a": pr(1, "a")},
			branches: map[string]branchState{"a": {tip: tip, ours: true}},
			want:     "b:open #1:close"},
		{name: "someone else's branches", limits: limits,
			groups:   []*group{g("a"), g("b")},
			pulls:    map[string]*openPull{"a": pr(1, "a"), "z": pr(2, "z")},
			branches: map[string]branchState{"a": {tip: tip}, "b": {tip: tip}, "z": {tip: tip}},
			want:     "a:leave b:hold(its branch `b` has commits by someone else; delete the branch to let dip use it) #2:leave"},
		{name: "stale branch or gone branch is pushed", limits: limits,
			groups:   []*group{g("a"), g("b")},
			pulls:    map[string]*openPull{"a": pr(1, "a"), "b": pr(2, "b")},
			branches: map[string]branchState{"a": {tip: tip, ours: true}},
			want:     "a:push b:push"},
		{name: "broken requests wait", limits: limits,
			pulls:    map[string]*openPull{"a": {PullRequest: vcs.PullRequest{Number: 1, HeadRef: "a"}, meta: pullMeta{Requests: []migrationKey{{"requests/x/a.yaml", "dip/v2"}}}}},
			branches: map[string]branchState{"a": {tip: tip, ours: true}},
			blocked:  map[string]bool{"requests/x/a.yaml": true},
			want:     "#1:wait"},
		{name: "paused", limits: platform.Migrations{MaxOpenPullRequests: 0, MaxNewPullRequestsPerHour: 2},
			groups: []*group{g("a")},
			want:   "a:hold(dip opens no migration pull requests: `spec.migrations.maxOpenPullRequests` is 0)"},
	}
	names := map[action]string{keep: "keep", push: "push", open: "open", hold: "hold", leaveAlone: "leave", closePull: "close", wait: "wait"}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.mem.Version = metaVersion
			ds := decide(situation{now: now, limits: c.limits, groups: c.groups, pulls: c.pulls, branches: c.branches, mem: &c.mem, blocked: c.blocked, term: "pull request"})
			var got []string
			for _, d := range ds {
				s := names[d.action]
				if d.reason != "" {
					s += "(" + d.reason + ")"
				}
				if d.g != nil {
					got = append(got, d.g.branch+":"+s)
				} else {
					got = append(got, fmt.Sprintf("#%d:%s", d.pr.Number, s))
				}
			}
			if diff := cmp.Diff(c.want, strings.Join(got, " ")); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestMetaRoundTrip(t *testing.T) {
	small := pullMeta{Version: metaVersion, Branch: "dip/migrate/x/a", Requests: []migrationKey{{"requests/a/b--c.yaml", "dip/v2"}}, Reviewers: []string{"@a"}}
	body := "text -->\n\n" + encodeMeta(pullMarker, small)
	var got pullMeta
	if !decodeMeta(body, pullMarker, &got) {
		t.Fatal("not decoded")
	}
	if diff := cmp.Diff(small, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if strings.Count(body, "-->") != 2 {
		t.Errorf("the comment can be closed early:\n%s", body)
	}
	// A large record is compressed and still read.
	big := memory{Version: metaVersion}
	for i := range 2000 {
		big.Declined = append(big.Declined, declined{migrationKey: migrationKey{fmt.Sprintf("requests/team-%d/db-%d.yaml", i%40, i), "dip/v2"}, Pull: i})
	}
	text := encodeMeta(issueMarker, big)
	if !strings.Contains(text, " gz:") || len(text) > 20000 {
		t.Errorf("large memory is %d bytes, gz %v", len(text), strings.Contains(text, " gz:"))
	}
	var back memory
	if !decodeMeta("x\n"+text, issueMarker, &back) || len(back.Declined) != 2000 {
		t.Errorf("large memory not read back: %d", len(back.Declined))
	}
	// The other marker, another version, broken JSON: none.
	for _, body := range []string{
		encodeMeta(issueMarker, big),
		`<!-- dip:migration {"v":2,"branch":"x"} -->`,
		`<!-- dip:migration {"v":1,"branch": -->`,
		`<!-- dip:migration gz:AAAA -->`,
	} {
		var m pullMeta
		if decodeMeta(body, pullMarker, &m) {
			t.Errorf("read %q", body)
		}
	}
}

// A body depends on nothing but what it reports: the same state gives
// the same text.
func TestBodiesAreStable(t *testing.T) {
	g := &group{branch: "dip/migrate/x/a", team: "a", files: []pipeline.MigratedFile{
		{Path: "requests/a/x.yaml", Kind: "Service", From: "dip/v1", To: "dip/v2", Codemods: []string{"x"}, RenderDiff: "```\n-a\n+b\n"},
	}}
	meta := pullMeta{Version: metaVersion, Branch: g.branch, Requests: g.keys()}
	gh := vcs.Repo{Host: vcs.GitHub, DefaultBranch: "main"}
	if a, b := g.pullBody(gh, meta), g.pullBody(gh, meta); a != b {
		t.Error("pull request body differs between two renderings")
	}
	if body := g.pullBody(gh, meta); !strings.Contains(body, "````diff\n```\n-a\n+b\n````") {
		t.Errorf("a diff with a fence in it is not fenced longer:\n%s", body)
	}
	// A huge group still fits the host's limit, metadata whole.
	huge := &group{branch: "b", team: "a"}
	for i := range 3000 {
		huge.files = append(huge.files, pipeline.MigratedFile{Path: fmt.Sprintf("requests/a/r%d.yaml", i), Kind: "Service", From: "dip/v1", To: "dip/v2", RenderDiff: strings.Repeat("+x\n", 5000)})
	}
	body := huge.pullBody(gh, pullMeta{Version: metaVersion, Branch: "b", Requests: huge.keys()})
	var back pullMeta
	if len(body) > maxBody || !decodeMeta(body, pullMarker, &back) || len(back.Requests) != 3000 {
		t.Errorf("huge body: %d bytes, metadata read %v", len(body), len(back.Requests))
	}
}

// Texts speak the host's language: merge requests, and !n, on GitLab.
func TestTextsInTheHostsTerms(t *testing.T) {
	g := &group{branch: "dip/migrate/x/a", team: "a", files: []pipeline.MigratedFile{
		{Path: "requests/a/x.yaml", Kind: "Service", From: "dip/v1", To: "dip/v2", Codemods: []string{"x"}, Equivalent: true},
	}}
	meta := pullMeta{Version: metaVersion, Branch: g.branch, Requests: g.keys()}
	rep := report{files: g.files, open: []openReport{{number: 3, branch: g.branch, requests: 1}},
		declined: []declined{{migrationKey: migrationKey{Path: "requests/a/y.yaml", To: "dip/v2"}, Pull: 2}}}
	for host, want := range map[vcs.Host][]string{
		vcs.GitHub: {"pull request", "#3 `dip/migrate/x/a`", ": #2"},
		vcs.GitLab: {"merge request", "!3 `dip/migrate/x/a`", ": !2"},
	} {
		rep.host = host
		term := host.PullRequestTerm()
		texts := g.pullBody(vcs.Repo{Host: host, DefaultBranch: "main"}, meta) + leftAloneComment(term, g.branch, "abc") +
			closeComment(term) + leftAloneBody("body", term, "abc", meta) + rep.body(memory{Version: metaVersion})
		other := map[vcs.Host]string{vcs.GitHub: "merge request", vcs.GitLab: "pull request"}[host]
		for _, w := range want {
			if !strings.Contains(texts, w) {
				t.Errorf("%s: the texts lack %q", host, w)
			}
		}
		if strings.Contains(texts, other) {
			t.Errorf("%s: the texts speak of a %s:\n%s", host, other, texts)
		}
		if got := holdForRate(term, 2, time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)); !strings.Contains(got, "migration "+term+"s are opened per hour") {
			t.Errorf("%s: %s", host, got)
		}
	}
}
