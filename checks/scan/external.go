package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/platform"
)

// Bounds on external scanners.
const (
	DefaultTimeout = 120 * time.Second
	// MaxOutput is the most SARIF read from a scanner.
	MaxOutput = 32 << 20
)

// Result is one external scanner's outcome.
type Result struct {
	Scanner    string
	Conclusion checks.Conclusion
	// Message says what happened when the scanner could not give a verdict.
	Message     string
	Annotations []checks.Annotation
}

// MapBack places a finding on a rendered file (slash path relative to the
// directory scanned) on the request it was rendered from.
type MapBack func(rendered string, line int) (platform.Pos, string, bool)

// External runs scanner sc over the rendered files in dir. It runs the
// command without a shell, in dir, with a bounded time and output and an
// environment of PATH, HOME, TMPDIR and LANG only; "{dir}" in an argument
// is replaced by dir. A scanner that is missing, crashes, hangs or prints
// something other than SARIF gives a neutral result that says so.
func External(ctx context.Context, sc platform.Scanner, dir string, mapBack MapBack) Result {
	res := Result{Scanner: sc.Name}
	neutral := func(format string, args ...any) Result {
		res.Conclusion = checks.Neutral
		res.Message = fmt.Sprintf(format, args...)
		return res
	}
	timeout := DefaultTimeout
	if sc.TimeoutSeconds > 0 {
		timeout = time.Duration(sc.TimeoutSeconds) * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	path, err := exec.LookPath(sc.Command)
	if err != nil {
		return neutral("scanner %s is not installed: %v", sc.Name, err)
	}
	args := make([]string, len(sc.Args))
	for i, a := range sc.Args {
		args[i] = strings.ReplaceAll(a, "{dir}", dir)
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	cmd.Env = scannerEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return neutral("scanner %s: %v", sc.Name, err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &limitedWriter{w: &stderr, n: 64 << 10}
	if err := cmd.Start(); err != nil {
		return neutral("scanner %s did not start: %v", sc.Name, err)
	}
	// Kill the whole process group when time is up, so that a scanner's
	// children cannot keep it running.
	stop := context.AfterFunc(ctx, func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	out, readErr := io.ReadAll(io.LimitReader(stdout, MaxOutput+1))
	if len(out) > MaxOutput {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	waitErr := cmd.Wait()
	stop()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // leftovers of the group
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return neutral("scanner %s timed out after %v", sc.Name, timeout)
	case len(out) > MaxOutput:
		return neutral("scanner %s printed more than %d MiB", sc.Name, MaxOutput>>20)
	case readErr != nil:
		return neutral("scanner %s: reading its output: %v", sc.Name, readErr)
	}
	log, parseErr := parseSARIF(out)
	if parseErr != nil {
		if waitErr != nil {
			return neutral("scanner %s failed (%v): %s", sc.Name, waitErr, firstLines(stderr.String(), 5))
		}
		return neutral("scanner %s: %v", sc.Name, parseErr)
	}
	// Many scanners exit non-zero when they find something; valid SARIF
	// is what counts.
	res.Conclusion = checks.Success
	for _, run := range log.Runs {
		for _, r := range run.Results {
			a := annotation(sc.Name, dir, r, mapBack)
			res.Annotations = append(res.Annotations, a)
			if a.Level == checks.LevelFailure {
				res.Conclusion = checks.Failure
			}
		}
	}
	return res
}

func annotation(scanner, dir string, r sarifResult, mapBack MapBack) checks.Annotation {
	a := checks.Annotation{
		Level:   level(r.Level),
		Rule:    scanner + "." + r.RuleID,
		Title:   scanner,
		Message: r.Message.Text,
		Pos:     platform.Pos{File: "rendered", Line: 1},
	}
	if len(r.Locations) > 0 {
		loc := r.Locations[0].PhysicalLocation
		if rel := relPath(dir, loc.ArtifactLocation.URI); rel != "" {
			if pos, env, ok := mapBack(rel, loc.Region.StartLine); ok {
				a.Pos, a.Env, a.Source = pos, env, rel
			} else {
				a.Pos = platform.Pos{File: rel, Line: max(loc.Region.StartLine, 1)}
			}
		}
	}
	return a
}

// level maps a SARIF level; a result without one is a warning, SARIF's
// default.
func level(l string) checks.Level {
	switch l {
	case "error":
		return checks.LevelFailure
	case "warning", "":
		return checks.LevelWarning
	}
	return checks.LevelNotice
}

func scannerEnv() []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "LANG"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(strings.TrimSpace(s), "\n", n+1)
	if len(lines) > n {
		lines = append(lines[:n], "…")
	}
	return strings.Join(lines, "\n")
}

type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n <= 0 {
		return len(p), nil
	}
	q := p[:min(len(p), l.n)]
	l.n -= len(q)
	if _, err := l.w.Write(q); err != nil {
		return 0, err
	}
	return len(p), nil
}
