package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/checks/output"
	"github.com/dipdev/dip/checks/policy"
	policybundle "github.com/dipdev/dip/policy-bundle"
	"github.com/dipdev/dip/vcs/gitfs"
)

func checkCmd(g *globals) *cobra.Command {
	var base, today string
	var policyTimeout time.Duration
	var expiringWithin int
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Run the pull request pipeline on a checkout: validate, policy, scan, render",
		Long: "check prints what the four check runs dip/validate, dip/policy, dip/scan and\n" +
			"dip/render would show on a pull request. With --base REF it judges only the\n" +
			"requests changed since REF (and those that use them), with the policies,\n" +
			"platform settings and scanners as they are at REF, and reports the rendered\n" +
			"diff against REF; a change to policies/ adds a policy impact report.\n" +
			"Exit code 1 when any check fails.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := g.checkFormat(output.Formats...); err != nil {
				return err
			}
			if today == "" {
				today = time.Now().UTC().Format(time.DateOnly)
			} else if _, err := time.Parse(time.DateOnly, today); err != nil {
				return usageError("--today %q is not a date like 2026-12-31", today)
			}
			switch {
			case expiringWithin < 0:
				return usageError("--expiring-within %d: a number of days, 0 or more", expiringWithin)
			case expiringWithin == 0:
				expiringWithin = -1 // never
			}
			dir, err := g.repoFS()
			if err != nil {
				return err
			}
			opt := pipeline.CheckOptions{
				Head:           os.DirFS(dir),
				Bundle:         policybundle.FS,
				Today:          today,
				ExpiringWithin: expiringWithin,
				PolicyTimeout:  policyTimeout,
				Scan:           pipeline.DefaultScanner(),
			}
			var facts *factCache
			if base != "" {
				tree, err := baseFS(dir, base)
				if err != nil {
					return &exitErr{code: exitError, err: err}
				}
				opt.Base = tree
				facts = openFactCache(dir, tree, &opt)
			}
			run, err := pipeline.Check(cmd.Context(), opt)
			if err != nil {
				return &exitErr{code: exitError, err: fmt.Errorf("%s: %w", dir, err)}
			}
			if err := facts.save(); err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "dip: warning: %v\n", err)
			}
			if err := output.Write(cmd.OutOrStdout(), g.format, &run.Report); err != nil {
				return &exitErr{code: exitError, err: err}
			}
			if run.Report.Failed() {
				return errFindings
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&base, "base", "", "judge only what changed since this git revision, with its policies")
	cmd.Flags().StringVar(&today, "today", "", "date that exceptions expire against, YYYY-MM-DD (default: today, UTC)")
	cmd.Flags().IntVar(&expiringWithin, "expiring-within", policy.DefaultExpiringWithin, "warn of exceptions expiring within this many days (0: never)")
	cmd.Flags().DurationVar(&policyTimeout, "policy-timeout", pipeline.DefaultPolicyTimeout, "bound on policy evaluation")
	return cmd
}

// baseFS opens the platform repo in dir as it is at revision rev of the
// git repository that holds dir.
func baseFS(dir, rev string) (*gitfs.FS, error) {
	repo, err := gitfs.Open(dir)
	if err != nil {
		return nil, err
	}
	hash, err := gitfs.Resolve(repo, rev)
	if err != nil {
		return nil, fmt.Errorf("--base: %w", err)
	}
	tree, err := gitfs.New(repo, hash)
	if err != nil {
		return nil, err
	}
	wt, err := repo.Worktree()
	if err != nil {
		return nil, fmt.Errorf("--base: %w", err)
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	root, err := filepath.EvalSymlinks(wt.Filesystem.Root())
	if err != nil {
		return nil, err
	}
	if absDir, err = filepath.EvalSymlinks(absDir); err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(root, absDir)
	if err != nil || !filepath.IsLocal(rel) && rel != "." {
		return nil, fmt.Errorf("--base: %s is not inside the git work tree %s", dir, root)
	}
	if rel == "." {
		return tree, nil
	}
	sub, err := tree.Sub(filepath.ToSlash(rel))
	if err != nil {
		return nil, err
	}
	return sub.(*gitfs.FS), nil
}
