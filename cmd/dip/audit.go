package main

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/spf13/cobra"

	"github.com/dipdev/dip/app/audit"
	"github.com/dipdev/dip/app/pipeline"
	policybundle "github.com/dipdev/dip/policy-bundle"
	"github.com/dipdev/dip/vcs/gitfs"
)

// auditFlags are dip audit's settings.
type auditFlags struct {
	branch, defaultBranch  string
	since, until, today    string
	team, request, kind    string
	verify, exceptions     bool
	expiringWithin, last   int
	sinceTime, untilTime   time.Time
	todayTime              time.Time
	stderr                 io.Writer
	repo                   *git.Repository
	defaultTip, outputHead *audit.Branch
}

func auditCmd(g *globals) *cobra.Command {
	f := &auditFlags{}
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "The audit trail read from the output branch's history; --verify re-renders it",
		Long: "audit reads the render commits of the output branch (spec.output.branch of the\n" +
			"default branch's platform.yaml, \"rendered\" unless set) from the git clone in\n" +
			"--repo and prints one record per request change: when, which request, created,\n" +
			"changed or deleted, the source commit, the pull request, who asked and who\n" +
			"approved, the policy bundle and the exceptions in force.\n\n" +
			"--verify renders every recorded source commit again from the repo's own history\n" +
			"and compares it with the tree the render commit holds; a hand edit, a commit\n" +
			"without dip's trailers that changes the rendered tree, a source commit that does\n" +
			"not exist or a tree that does not match is a failure (exit 1). A commit rendered\n" +
			"by other renderers (an older or newer dip) is reported as such, not as tampering.\n\n" +
			"--exceptions lists every exception held on the default branch, who approved it,\n" +
			"and flags those expiring within --expiring-within days.\n\n" +
			"Exit code 1 for a failed verification, an expired exception, a malformed trail\n" +
			"or a partial history (a shallow clone); 2 for usage or internal errors.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.stderr = cmd.ErrOrStderr()
			if err := f.parse(g); err != nil {
				return err
			}
			if err := f.open(g); err != nil {
				return err
			}
			switch {
			case f.exceptions:
				return f.runExceptions(cmd.OutOrStdout(), g.format)
			case f.verify:
				return f.runVerify(cmd.OutOrStdout(), g.format)
			}
			return f.runRecords(cmd.OutOrStdout(), g.format)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.branch, "branch", "", "output branch (default: spec.output.branch of the default branch's platform.yaml); a full ref such as refs/heads/rendered reads exactly that ref")
	fl.StringVar(&f.defaultBranch, "default-branch", "", "the platform repo's default branch (default: origin's HEAD, else the branch checked out, else main)")
	fl.StringVar(&f.since, "since", "", "records from this date (YYYY-MM-DD, UTC) or time (RFC 3339) on")
	fl.StringVar(&f.until, "until", "", "records up to this date (YYYY-MM-DD, through its end) or time (RFC 3339)")
	fl.StringVar(&f.team, "team", "", "records of this team's requests only")
	fl.StringVar(&f.request, "request", "", "records of this request file only, such as requests/payments/orders-db.yaml")
	fl.StringVar(&f.kind, "kind", "", "records of requests of this kind only, such as PostgresDatabase")
	fl.BoolVar(&f.verify, "verify", false, "re-render every recorded source commit and compare with the committed tree")
	fl.BoolVar(&f.exceptions, "exceptions", false, "list the exceptions held on the default branch")
	fl.IntVar(&f.expiringWithin, "expiring-within", 30, "with --exceptions: flag exceptions expiring within this many days")
	fl.StringVar(&f.today, "today", "", "date exceptions expire against, YYYY-MM-DD (default: today, UTC)")
	fl.IntVar(&f.last, "last", 0, "only the last N commits of the output branch (0: all)")
	return cmd
}

func (f *auditFlags) parse(g *globals) error {
	if err := g.checkFormat(audit.Formats...); err != nil {
		return err
	}
	if f.verify && f.exceptions {
		return usageError("--verify and --exceptions do not go together")
	}
	switch {
	case f.verify && (f.team != "" || f.request != "" || f.kind != ""):
		return usageError("--team, --request and --kind pick records; --verify checks whole commits (use --since, --until or --last)")
	case f.exceptions && (f.since != "" || f.until != "" || f.last != 0):
		return usageError("--since, --until and --last pick commits of the output branch; --exceptions lists the default branch's head")
	}
	if f.last < 0 || f.expiringWithin < 0 {
		return usageError("--last and --expiring-within take a number of 0 or more")
	}
	var err error
	if f.sinceTime, err = parseWhen("--since", f.since, false); err != nil {
		return err
	}
	if f.untilTime, err = parseWhen("--until", f.until, true); err != nil {
		return err
	}
	if !f.sinceTime.IsZero() && !f.untilTime.IsZero() && !f.sinceTime.Before(f.untilTime) {
		return usageError("--since %s is not before --until %s", f.since, f.until)
	}
	f.todayTime = time.Now().UTC()
	if f.today != "" {
		if f.todayTime, err = time.Parse(time.DateOnly, f.today); err != nil {
			return usageError("--today %q is not a date like 2026-12-31", f.today)
		}
	}
	return nil
}

func parseWhen(flag, s string, upper bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := audit.ParseTime(s, upper)
	if err != nil {
		return time.Time{}, usageError("%s %w", flag, err)
	}
	return t, nil
}

// open finds the clone, its default branch and its output branch.
func (f *auditFlags) open(g *globals) error {
	dir, err := g.repoFS()
	if err != nil {
		return err
	}
	if f.repo, err = gitfs.Open(dir); err != nil {
		return &exitErr{code: exitError, err: err}
	}
	name := f.defaultBranch
	if name == "" {
		if name, err = audit.DefaultBranch(f.repo); err != nil {
			return &exitErr{code: exitError, err: err}
		}
	}
	if f.defaultTip, err = audit.ResolveBranch(f.repo, name); err != nil {
		return &exitErr{code: exitError, err: fmt.Errorf("default branch: %w", err)}
	}
	f.warn(f.defaultTip.Warning)
	if f.exceptions && f.branch == "" {
		// The approvals come from the output branch when there is one.
		if out, err := audit.OutputBranch(f.repo, f.defaultTip.Tip); err == nil {
			f.outputHead, _ = audit.ResolveBranch(f.repo, out)
		}
		return nil
	}
	out := f.branch
	if out == "" {
		if out, err = audit.OutputBranch(f.repo, f.defaultTip.Tip); err != nil {
			return &exitErr{code: exitError, err: fmt.Errorf("output branch: %w; name it with --branch", err)}
		}
	}
	if f.outputHead, err = audit.ResolveBranch(f.repo, out); err != nil {
		return &exitErr{code: exitError, err: fmt.Errorf("output branch: %w", err)}
	}
	f.warn(f.outputHead.Warning)
	return nil
}

func (f *auditFlags) warn(msg string) {
	if msg != "" {
		fmt.Fprintf(f.stderr, "dip: warning: %s\n", msg)
	}
}

func (f *auditFlags) history() (*audit.History, error) {
	h, err := audit.ReadHistory(f.repo, f.outputHead.Name, f.outputHead.Tip)
	if err != nil {
		return nil, &exitErr{code: exitError, err: err}
	}
	return h, nil
}

func (f *auditFlags) runRecords(w io.Writer, format string) error {
	h, err := f.history()
	if err != nil {
		return err
	}
	log := audit.Records(f.repo, h, audit.Filter{
		Since: f.sinceTime, Until: f.untilTime, Team: f.team, Request: f.request, Kind: f.kind, Last: f.last,
	})
	if err := audit.Write(w, format, log); err != nil {
		return &exitErr{code: exitError, err: err}
	}
	if format == "csv" {
		f.trouble(log.Partial, log.Problems)
	}
	if log.Partial != "" || len(log.Problems) > 0 {
		return errFindings
	}
	return nil
}

func (f *auditFlags) trouble(partial string, problems []audit.Problem) {
	if partial != "" {
		fmt.Fprintf(f.stderr, "dip: partial: %s\n", partial)
	}
	for _, p := range problems {
		fmt.Fprintf(f.stderr, "dip: %s: %s\n", p.Commit, p.Message)
	}
}

func (f *auditFlags) runVerify(w io.Writer, format string) error {
	h, err := f.history()
	if err != nil {
		return err
	}
	bundle, err := pipeline.BundleVersion(policybundle.FS)
	if err != nil {
		return &exitErr{code: exitError, err: err}
	}
	v := audit.Verify(f.repo, h, audit.VerifyOptions{
		Bundle: bundle, Default: f.defaultTip.Name, DefaultTip: f.defaultTip.Tip, Last: f.last,
		Since: f.sinceTime, Until: f.untilTime,
	})
	if err := audit.Write(w, format, v); err != nil {
		return &exitErr{code: exitError, err: err}
	}
	if format == "csv" {
		f.trouble(v.Partial, nil)
	}
	if v.Failures > 0 || v.Partial != "" {
		return errFindings
	}
	return nil
}

func (f *auditFlags) runExceptions(w io.Writer, format string) error {
	var h *audit.History
	if f.outputHead != nil {
		var err error
		if h, err = f.history(); err != nil {
			return err
		}
	}
	rep, err := audit.Exceptions(f.repo, f.defaultTip.Name, f.defaultTip.Tip, h, f.todayTime, f.expiringWithin)
	if err != nil {
		return &exitErr{code: exitError, err: err}
	}
	pick := audit.Filter{Team: f.team, Request: f.request, Kind: f.kind}
	rep.Exceptions = slices.DeleteFunc(rep.Exceptions, func(e audit.Held) bool {
		return !pick.Keeps(&audit.Record{Request: e.Request, Team: e.Team, Kind: e.Kind})
	})
	if err := audit.Write(w, format, rep); err != nil {
		return &exitErr{code: exitError, err: err}
	}
	if format == "csv" {
		f.trouble("", rep.Problems)
	}
	for _, e := range rep.Exceptions {
		if e.Standing == audit.Expired {
			return errFindings
		}
	}
	if len(rep.Problems) > 0 {
		return errFindings
	}
	return nil
}
