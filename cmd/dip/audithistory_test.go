package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/dipdev/dip/app/audit"
	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/app/repocache"
	"github.com/dipdev/dip/app/server"
	"github.com/dipdev/dip/internal/gittest"
	policybundle "github.com/dipdev/dip/policy-bundle"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/gitfs"
	"github.com/dipdev/dip/vcs/github"
	"github.com/dipdev/dip/vcs/vcstest"
)

// history is a platform repo whose output branch is written by dip serve's
// own Handler: a bare remote, a work tree that commits and merges with the
// git binary, and a clock that moves an hour with every commit, so that
// every commit and its hash are the same in every run.
type history struct {
	t      *testing.T
	bare   string
	work   string
	clock  time.Time
	fake   *vcstest.Fake
	h      *server.Handler
	repo   vcs.Repo
	merges int
}

const (
	auditPlatform = `apiVersion: dip/v1
kind: Platform
metadata: {name: acme}
spec:
  cloud: aws
  environments:
    - {name: staging, region: eu-west-1}
    - {name: production, region: eu-west-1}
  allowedRegions: [eu-west-1]
  output: {branch: rendered, path: rendered}
`
	auditTeam = `apiVersion: dip/v1
kind: Team
metadata: {name: %s}
spec:
  owners: ["@acme/%s"]
  costCenter: cc-1234
`
	auditDB = `apiVersion: dip/v1
kind: PostgresDatabase
metadata:
  name: orders-db
  team: payments
%sspec:
  environments: [staging, production]
  size: small
`
	auditQueue = `apiVersion: dip/v1
kind: Queue
metadata:
  name: %s
  team: %s
spec:
  environments: [staging]
`
)

func newHistory(t *testing.T) *history {
	t.Helper()
	root := t.TempDir()
	hs := &history{t: t, bare: filepath.Join(root, "platform.git"), work: filepath.Join(root, "work"),
		clock: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), fake: &vcstest.Fake{}}
	hs.git(root, "init", "-q", "--bare", "-b", "main", hs.bare)
	hs.git(root, "init", "-q", "-b", "main", hs.work)
	hs.git(hs.work, "remote", "add", "origin", hs.bare)
	cache, err := repocache.New(filepath.Join(root, "cache"), nil)
	if err != nil {
		t.Fatal(err)
	}
	hs.repo = vcs.Repo{Host: vcs.GitHub, ID: 1, Owner: "acme", Name: "platform", CloneURL: hs.bare, DefaultBranch: "main"}
	// The repository is on GitHub: renders are by its identity for dip.
	hs.fake.SetCommitter(github.Committer)
	hs.h = &server.Handler{Provider: hs.fake, Cache: cache, Bundle: policybundle.FS, Now: func() time.Time { return hs.clock }}
	return hs
}

// git runs git in dir at the clock's time, as Dev.
func (hs *history) git(dir string, args ...string) string {
	hs.t.Helper()
	return hs.gitAs(dir, "Dev", args...)
}

func (hs *history) gitAs(dir, who string, args ...string) string {
	hs.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	when := hs.clock.Format(time.RFC3339)
	email := strings.ToLower(strings.Fields(who)[0]) + "@example.com"
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME="+who, "GIT_AUTHOR_EMAIL="+email, "GIT_COMMITTER_NAME="+who, "GIT_COMMITTER_EMAIL="+email,
		"GIT_AUTHOR_DATE="+when, "GIT_COMMITTER_DATE="+when, "GIT_CONFIG_NOSYSTEM=1", "HOME="+hs.work)
	out, err := cmd.CombinedOutput()
	if err != nil {
		hs.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (hs *history) tick() { hs.clock = hs.clock.Add(time.Hour) }

// commit writes files (an empty one is removed) on branch, created from
// main when new, and returns the commit.
func (hs *history) commit(branch, msg string, files map[string]string) string {
	hs.t.Helper()
	hs.tick()
	hs.git(hs.work, "checkout", "-q", "-B", branch)
	hs.write(files)
	hs.git(hs.work, "add", "-A")
	hs.git(hs.work, "commit", "-q", "--allow-empty", "-m", msg)
	return hs.git(hs.work, "rev-parse", "HEAD")
}

// write sets files of the work tree; an empty content removes the file.
func (hs *history) write(files map[string]string) {
	hs.t.Helper()
	gittest.WriteFiles(hs.t, hs.work, files)
}

// pull opens pull request n by author with files, merges it into main with
// a merge commit, approved by approvers, and returns the merge.
func (hs *history) pull(n int, author string, approvers []string, title string, files map[string]string) string {
	hs.t.Helper()
	hs.git(hs.work, "checkout", "-q", "main")
	head := hs.commit(fmt.Sprintf("pr-%d", n), title, files)
	hs.tick()
	hs.git(hs.work, "checkout", "-q", "main")
	hs.git(hs.work, "merge", "-q", "--no-ff", "-m", fmt.Sprintf("Merge pull request #%d from acme/pr-%d\n\n%s", n, n, title), fmt.Sprintf("pr-%d", n))
	merge := hs.git(hs.work, "rev-parse", "HEAD")
	pr := vcs.PullRequest{Number: n, Author: author, HeadSHA: head, URL: fmt.Sprintf("https://github.example/acme/platform/pull/%d", n)}
	hs.fake.MapCommit("acme/platform", merge, pr)
	hs.fake.SetApprovers("acme/platform", n, approvers...)
	return merge
}

// push pushes main and has dip serve's Handler render it.
func (hs *history) push() {
	hs.t.Helper()
	hs.git(hs.work, "push", "-q", "origin", "main")
	hs.tick()
	head := hs.git(hs.work, "rev-parse", "main")
	ev := vcs.Event{Host: vcs.GitHub, DeliveryID: "push-" + head, Kind: vcs.EventPush, Name: "push", Repo: hs.repo, SHA: head, Ref: "main"}
	if err := hs.h.Handle(context.Background(), ev); err != nil {
		hs.t.Fatalf("render %s: %v", head, err)
	}
}

// oldRender commits main's head to the output branch as a dip of older
// renderers did: no Dip-Renderer trailer, and another first line in every
// file. It is written with the code dip serve writes with.
func (hs *history) oldRender() {
	hs.t.Helper()
	hs.git(hs.work, "push", "-q", "origin", "main")
	hs.tick()
	r, err := git.PlainOpen(hs.bare)
	if err != nil {
		hs.t.Fatal(err)
	}
	head := plumbing.NewHash(hs.git(hs.work, "rev-parse", "main"))
	fsys, err := gitfs.New(r, head)
	if err != nil {
		hs.t.Fatal(err)
	}
	b, err := pipeline.Render(fsys)
	if err != nil || len(b.Diagnostics.Errors()) > 0 {
		hs.t.Fatalf("render: %v %v", err, b.Diagnostics)
	}
	for i := range b.Files {
		b.Files[i].Data = []byte(strings.Replace(string(b.Files[i].Data), "# Code generated by dip", "# Generated by dip", 1))
	}
	tree, err := audit.WriteTree(r, "rendered", b.Files)
	if err != nil {
		hs.t.Fatal(err)
	}
	paths, err := audit.ChangedRequests(r, plumbing.ZeroHash, head, b.Source.Requests)
	if err != nil {
		hs.t.Fatal(err)
	}
	src, _ := r.CommitObject(head)
	trail := &audit.Trail{Source: head.String(), Bundle: "0.9.0", Requests: paths, Exceptions: audit.InForce(b.Repo, hs.clock.Format(time.DateOnly))}
	who := hs.fake.Committer(vcs.Repo{})
	sig := object.Signature{Name: who.Name, Email: who.Email, When: hs.clock}
	c, err := audit.WriteCommit(r, tree, plumbing.ZeroHash, trail, src.Message, sig)
	if err != nil {
		hs.t.Fatal(err)
	}
	if err := r.Storer.SetReference(plumbing.NewHashReference("refs/heads/rendered", c)); err != nil {
		hs.t.Fatal(err)
	}
}

// onOutput commits files on the output branch as who, by hand, and pushes.
func (hs *history) onOutput(who, msg string, files map[string]string) {
	hs.t.Helper()
	hs.tick()
	hs.git(hs.work, "fetch", "-q", "origin", "rendered")
	hs.git(hs.work, "checkout", "-q", "-B", "rendered", "origin/rendered")
	hs.write(files)
	hs.gitAs(hs.work, who, "add", "-A")
	hs.gitAs(hs.work, who, "commit", "-q", "-m", msg)
	hs.git(hs.work, "push", "-q", "origin", "rendered")
	hs.git(hs.work, "checkout", "-q", "main")
}

// clone clones the remote as an auditor would, with every branch.
func (hs *history) clone(args ...string) string {
	hs.t.Helper()
	dir := filepath.Join(hs.t.TempDir(), "clone")
	hs.git(filepath.Dir(dir), append(append([]string{"clone", "-q"}, args...), "file://"+hs.bare, dir)...)
	return dir
}

// build makes the history the golden tests read: an older dip's render,
// then dip serve's; merges approved once and twice; an exception added and
// later removed; a deletion; a hand edit and a note by people on the
// output branch; two merges rendered by one push.
func buildHistory(t *testing.T, handEdit bool) *history {
	hs := newHistory(t)
	hs.commit("main", "Start the platform repo", map[string]string{
		"platform.yaml":                    auditPlatform,
		"teams/payments.yaml":              fmt.Sprintf(auditTeam, "payments", "payments"),
		"teams/catalog.yaml":               fmt.Sprintf(auditTeam, "catalog", "catalog"),
		"requests/payments/orders-db.yaml": fmt.Sprintf(auditDB, ""),
		"requests/catalog/reindex.yaml":    fmt.Sprintf(auditQueue, "reindex", "catalog"),
	})
	hs.oldRender()
	hs.pull(21, "alice", []string{"bob"}, "Add the refunds queue", map[string]string{
		"requests/payments/refunds.yaml": fmt.Sprintf(auditQueue, "refunds", "payments"),
	})
	hs.push()
	hs.pull(22, "carol", []string{"dave", "erin"}, "Orders database: larger class while migrating", map[string]string{
		"requests/payments/orders-db.yaml": fmt.Sprintf(auditDB, "  exceptions:\n"+
			"    - policy: terraform.restrict_instance_types\n"+
			"      reason: \"needs \\\"legacy\\\" sizing, see SEC-7\\nuntil the migration ends\"\n"+
			"      expires: \"2026-03-25\"\n"+
			"    - policy: terraform.required_tags\n"+
			"      reason: tags come from the account\n"+
			"      expires: \"2026-12-31\"\n"),
	})
	hs.push()
	if handEdit {
		hs.onOutput("Ops Person", "Hotfix: a bigger queue by hand", map[string]string{
			"rendered/staging/payments/refunds/terraform/main.tf": "# edited by hand\n",
		})
	}
	hs.onOutput("Writer Person", "A note for readers", map[string]string{"NOTE.md": "The rendered tree is written by dip.\n"})
	hs.pull(23, "alice", []string{"bob"}, "Orders database: drop the tags exception", map[string]string{
		"requests/payments/orders-db.yaml": fmt.Sprintf(auditDB, "  exceptions:\n"+
			"    - policy: terraform.restrict_instance_types\n"+
			"      reason: \"needs \\\"legacy\\\" sizing, see SEC-7\\nuntil the migration ends\"\n"+
			"      expires: \"2026-03-25\"\n"),
	})
	hs.push()
	hs.pull(24, "frank", []string{"bob", "carol"}, "Retire the reindex queue", map[string]string{"requests/catalog/reindex.yaml": ""})
	hs.pull(25, "grace", nil, "Add the returns queue", map[string]string{
		"requests/payments/returns.yaml": fmt.Sprintf(auditQueue, "returns", "payments"),
	})
	hs.push()
	return hs
}
