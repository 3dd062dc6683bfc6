// Command dip validates, renders, checks, migrates and audits a platform
// repo, and serves the GitHub App and GitLab integration.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes, as the design fixes them.
const (
	exitOK       = 0
	exitFindings = 1
	exitError    = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// DIP_CPUPROFILE=file writes a CPU profile of the command, for
	// reports of slowness.
	if p := os.Getenv("DIP_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil && pprof.StartCPUProfile(f) == nil {
			defer f.Close()
		}
	}
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	pprof.StopCPUProfile()
	stop()
	os.Exit(code)
}

// exitErr carries an exit code out of a command. A nil err means the
// command already said everything it had to say.
type exitErr struct {
	code int
	err  error
}

func (e *exitErr) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitErr) Unwrap() error { return e.err }

// errFindings ends a command that printed findings with exit code 1.
var errFindings = &exitErr{code: exitFindings}

// usageError is a mistake in how dip was called: exit code 2.
func usageError(format string, args ...any) error {
	return &exitErr{code: exitError, err: fmt.Errorf(format, args...)}
}

// globals are the flags every command takes.
type globals struct {
	repo   string
	format string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g := &globals{}
	root := &cobra.Command{
		Use:   "dip",
		Short: "Pull-request-driven GitOps for an internal developer platform",
		Long: "dip validates platform requests, renders them into Terraform and Kubernetes\n" +
			"manifests, checks them against policies and scanners, migrates them to new\n" +
			"blueprint versions, reads back the audit trail of what was rendered, and\n" +
			"serves the GitHub App and the GitLab integration that report all of it on\n" +
			"pull and merge requests and open the migration pull requests.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetContext(ctx)
	root.PersistentFlags().StringVar(&g.repo, "repo", ".", "platform repo directory")
	root.PersistentFlags().StringVar(&g.format, "format", "text", "output format: text or json (check also takes sarif and markdown, audit csv)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError("%w", err) })
	root.AddCommand(validateCmd(g), renderCmd(g), checkCmd(g), migrateCmd(g), auditCmd(g), serveCmd())

	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitErr
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "dip: %v\n", ee.err)
		}
		return ee.code
	}
	// Cobra's own errors (unknown command, bad arguments) are usage errors.
	fmt.Fprintf(stderr, "dip: %v\n", err)
	if strings.HasPrefix(err.Error(), "unknown command") {
		fmt.Fprintln(stderr, "Run 'dip --help' for the commands.")
	}
	return exitError
}

// checkFormat fails unless g.format is one of allowed.
func (g *globals) checkFormat(allowed ...string) error {
	if !slices.Contains(allowed, g.format) {
		return usageError("--format %q is not supported here; use one of %s", g.format, strings.Join(allowed, ", "))
	}
	return nil
}

// repoFS opens the platform repo directory.
func (g *globals) repoFS() (string, error) {
	info, err := os.Stat(g.repo)
	if err != nil {
		return "", &exitErr{code: exitError, err: fmt.Errorf("repo %s: %w", g.repo, errors.Unwrap(err))}
	}
	if !info.IsDir() {
		return "", &exitErr{code: exitError, err: fmt.Errorf("repo %s: not a directory", g.repo)}
	}
	return g.repo, nil
}
