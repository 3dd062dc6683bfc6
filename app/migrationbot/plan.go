package migrationbot

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/vcs"
)

// Branch prefixes of the bot's pull requests. Requests grouped by team get
// dip/migrate/<codemod>/<team>; one request alone gets
// dip/migrate-request/<codemod>/<team>/<name>, under a prefix of its own
// so that no branch of one grouping is ever a directory of a branch of the
// other (git cannot have both a/b and a/b/c).
const (
	teamPrefix    = vcs.MigrationTeamPrefix
	requestPrefix = vcs.MigrationRequestPrefix
)

// group is the requests one pull request migrates: one codemod (the last
// of each request's chain) and one team, or one request.
type group struct {
	branch string
	team   string
	// request is the request's file when requests are grouped one by one.
	request string
	codemod string
	// files are sorted by path.
	files []pipeline.MigratedFile
}

// keys are the migrations of g.
func (g *group) keys() []migrationKey {
	out := make([]migrationKey, len(g.files))
	for i, f := range g.files {
		out[i] = migrationKey{Path: f.Path, To: f.To}
	}
	return out
}

// codemods lists every codemod g applies, each once, in the order the
// chains apply them.
func (g *group) codemods() []string {
	var out []string
	for _, f := range g.files {
		for _, c := range f.Codemods {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// groupFiles groups the migrated files by branch, leaving out declined
// migrations. Groups are sorted by branch.
func groupFiles(files []pipeline.MigratedFile, by string, isDeclined func(migrationKey) bool) []*group {
	byBranch := map[string]*group{}
	for _, f := range files {
		if isDeclined(migrationKey{Path: f.Path, To: f.To}) {
			continue
		}
		codemod := "migrate"
		if len(f.Codemods) > 0 {
			codemod = f.Codemods[len(f.Codemods)-1]
		}
		g := &group{team: f.Team, codemod: codemod}
		if by == platform.GroupByRequest {
			g.request = f.Path
			g.branch = requestPrefix + refPart(codemod) + "/" + refPart(f.Team) + "/" + refPart(strings.TrimSuffix(path.Base(f.Path), path.Ext(f.Path)))
		} else {
			g.branch = teamPrefix + refPart(codemod) + "/" + refPart(f.Team)
		}
		if have, ok := byBranch[g.branch]; ok {
			g = have
		} else {
			byBranch[g.branch] = g
		}
		g.files = append(g.files, f)
	}
	out := make([]*group, 0, len(byBranch))
	for _, g := range byBranch {
		slices.SortFunc(g.files, func(a, b pipeline.MigratedFile) int { return strings.Compare(a.Path, b.Path) })
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b *group) int { return strings.Compare(a.branch, b.branch) })
	return out
}

// refPart makes s one element of a branch name git accepts: letters,
// digits, -, _ and . only, no leading dot or dash, no "..", no ".lock"
// ending, at most 100 bytes.
func refPart(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	out := b.String()
	for strings.Contains(out, "..") {
		out = strings.ReplaceAll(out, "..", ".")
	}
	if len(out) > 100 {
		out = out[:100]
	}
	for {
		trimmed := strings.TrimSuffix(strings.Trim(out, ".-"), ".lock")
		if trimmed == out {
			break
		}
		out = trimmed
	}
	if out == "" {
		return "x"
	}
	return out
}

// openPull is an open migration pull request and what its body records.
type openPull struct {
	vcs.PullRequest
	meta pullMeta
}

// branchState is a bot branch as fetched.
type branchState struct {
	tip plumbing.Hash
	// ours is set when the tip is the bot's own commit: one commit, by
	// the bot, with Dip-Codemod trailers.
	ours bool
	// same is set when the tip makes exactly the change its group needs
	// now: the same files, from the same content, to the same content.
	same bool
}

// action is what a run does about one group or pull request.
type action int

const (
	// keep: the branch is up to date; the title, body and reviewers
	// are brought in line if they differ.
	keep action = iota
	// push: the branch is regenerated on the default branch's head
	// and force-pushed, then the pull request is brought in line.
	push
	// open: a new branch and pull request.
	open
	// hold: a pull request the limits, or someone else's branch, hold
	// back.
	hold
	// leaveAlone: someone else pushed to the branch; the bot says so
	// once and changes nothing.
	leaveAlone
	// closePull: nothing is left to migrate; closed with a comment.
	closePull
	// wait: a pull request no group needs whose requests cannot be
	// migrated now (the default branch broke them): left as it is until
	// they can, or are gone.
	wait
)

// decision is what a run does about one group, or about a pull request
// that no group needs any more (g nil).
type decision struct {
	action action
	g      *group
	pr     *openPull
	branch branchState
	// reason says why a group is held back.
	reason string
	// reviewers are who should review g.
	reviewers []string
}

// situation is everything decide judges by.
type situation struct {
	now      time.Time
	limits   platform.Migrations
	groups   []*group
	pulls    map[string]*openPull // open migration pull requests by branch
	branches map[string]branchState
	mem      *memory
	// blocked are the files that cannot be migrated now.
	blocked map[string]bool
	// term is what the host calls a pull request, for the reasons given.
	term string
}

// decide says what to do about each group and each open pull request:
// groups sorted by branch, then pull requests left without a group. New
// pull requests are opened in branch order while the limits allow.
func decide(s situation) []decision {
	var out []decision
	grouped := map[string]bool{}
	for _, g := range s.groups {
		grouped[g.branch] = true
	}
	openNow := len(s.pulls)
	var stale []decision
	for _, branch := range sortedKeys(s.pulls) {
		if grouped[branch] {
			continue
		}
		pr, b := s.pulls[branch], s.branches[branch]
		if !b.tip.IsZero() && !b.ours {
			stale = append(stale, decision{action: leaveAlone, pr: pr, branch: b})
			continue
		}
		if slices.ContainsFunc(pr.meta.Requests, func(k migrationKey) bool { return s.blocked[k.Path] }) {
			stale = append(stale, decision{action: wait, pr: pr, branch: b})
			continue
		}
		stale = append(stale, decision{action: closePull, pr: pr, branch: b})
		openNow--
	}
	recent, oldest := s.mem.openedWithin(s.now)
	for _, g := range s.groups {
		pr, b := s.pulls[g.branch], s.branches[g.branch]
		d := decision{g: g, pr: pr, branch: b}
		switch {
		case pr != nil && !b.tip.IsZero() && !b.ours:
			d.action = leaveAlone
		case pr != nil && b.same:
			d.action = keep
		case pr != nil:
			d.action = push
		case !b.tip.IsZero() && !b.ours:
			d.action, d.reason = hold, fmt.Sprintf("its branch `%s` has commits by someone else; delete the branch to let dip use it", g.branch)
		case s.limits.MaxOpenPullRequests == 0:
			d.action, d.reason = hold, "dip opens no migration "+s.term+"s: `spec.migrations.maxOpenPullRequests` is 0"
		case openNow >= s.limits.MaxOpenPullRequests:
			d.action, d.reason = hold, fmt.Sprintf("at most %d migration %ss are open at once (`spec.migrations.maxOpenPullRequests`)", s.limits.MaxOpenPullRequests, s.term)
		case recent >= s.limits.MaxNewPullRequestsPerHour:
			d.action, d.reason = hold, holdForRate(s.term, s.limits.MaxNewPullRequestsPerHour, oldest)
		default:
			d.action = open
			openNow++
			recent++
			if oldest.IsZero() {
				oldest = s.now
			}
		}
		out = append(out, d)
	}
	return append(out, stale...)
}

func holdForRate(term string, perHour int, oldest time.Time) string {
	if perHour == 0 || oldest.IsZero() {
		return "dip opens no migration " + term + "s: `spec.migrations.maxNewPullRequestsPerHour` is 0"
	}
	return fmt.Sprintf("at most %d migration %ss are opened per hour (`spec.migrations.maxNewPullRequestsPerHour`); the next after %s",
		perHour, term, oldest.Add(time.Hour).UTC().Format("2006-01-02 15:04 UTC"))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, cmp.Compare)
	return keys
}
