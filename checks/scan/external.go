package scan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/platform"
)

// Bounds on external scanners.
const (
	// DefaultTimeout bounds a scanner that sets no timeoutSeconds.
	DefaultTimeout = 120 * time.Second
	// MaxOutput is the most a scanner may print on standard output; more
	// makes its result neutral.
	MaxOutput = 32 << 20
	// maxStderr is how much of standard error is kept to explain a crash.
	maxStderr = 64 << 10
	// exitGrace is how long output is still read after the scanner exits,
	// when something it started holds its standard output open.
	exitGrace = 2 * time.Second
)

// DirPlaceholder in a scanner's argument is replaced by the absolute path
// of the directory of rendered files.
const DirPlaceholder = "{dir}"

// scannerEnv is the only environment a scanner gets: nothing of dip's own
// configuration, tokens or keys.
var scannerEnv = []string{"PATH", "HOME", "TMPDIR", "LANG"}

// Result is one external scanner's outcome.
type Result struct {
	Scanner string
	// Conclusion is Failure when a finding is a failure, Success when the
	// scanner gave a verdict without failures, and Neutral when it gave no
	// verdict (then Message says why).
	Conclusion  checks.Conclusion
	Message     string
	Annotations []checks.Annotation
}

// MapBack places a finding on a rendered file on the request it was
// rendered from. rendered is slash-separated and relative to the directory
// scanned, line counts from 1 (0: unknown). It returns the position in the
// request, the environment the file was rendered for, and false when the
// file is not one it knows.
type MapBack func(rendered string, line int) (pos platform.Pos, env string, ok bool)

// External runs the scanner sc over the rendered files in dir and turns
// the SARIF 2.1.0 it prints into annotations.
//
// The command is found in PATH (a command with a slash is taken relative to
// dip's working directory) and run without a shell, in dir, with
// DirPlaceholder in its arguments replaced by dir. It gets an environment of
// PATH, HOME, TMPDIR and LANG only, no standard input, sc.TimeoutSeconds
// (default DefaultTimeout) to finish, and at most MaxOutput bytes of
// standard output. It runs in a process group of its own, which is killed
// when it times out and when it ends, so nothing it starts outlives it.
//
// A non-zero exit with valid SARIF is a verdict, as many scanners exit 1
// on findings. A scanner that is missing, crashes, hangs or prints anything
// but SARIF gives a neutral result whose message says what happened.
//
// Each result is placed with mapBack at the request its file was rendered
// from; a result mapBack does not know stays on the rendered file (Pos.File
// is then the path relative to dir), and one naming no file inside dir
// gets a zero Pos. Levels map error to failure, warning to warning, note
// and none to notice.
func External(ctx context.Context, sc platform.Scanner, dir string, mapBack MapBack) Result {
	res := Result{Scanner: sc.Name}
	neutral := func(format string, args ...any) Result {
		res.Conclusion = checks.Neutral
		res.Message = fmt.Sprintf("scanner %s ", sc.Name) + fmt.Sprintf(format, args...)
		return res
	}
	timeout := DefaultTimeout
	if sc.TimeoutSeconds > 0 {
		timeout = time.Duration(sc.TimeoutSeconds) * time.Second
	}
	if err := ctx.Err(); err != nil {
		return neutral("was not run: %v", context.Cause(ctx))
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return neutral("has no directory to scan: %v", err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return neutral("has no directory to scan: %s is not a directory", dir)
	}
	path, err := exec.LookPath(sc.Command)
	if err == nil && !filepath.IsAbs(path) {
		path, err = filepath.Abs(path)
	}
	if err != nil {
		return neutral("is not installed: %v", err)
	}

	errTimeout := errors.New("scanner timed out")
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errTimeout)
	defer cancel()
	args := make([]string, len(sc.Args))
	for i, a := range sc.Args {
		args[i] = strings.ReplaceAll(a, DirPlaceholder, dir)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = dir
	cmd.Env = environ()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	kill := func() error { return killGroup(cmd) }
	cmd.Cancel = kill
	cmd.WaitDelay = exitGrace
	stdout := &capped{max: MaxOutput, overflow: func() { _ = kill() }}
	stderr := &capped{max: maxStderr}
	cmd.Stdout, cmd.Stderr = stdout, stderr

	runErr := cmd.Run()
	if cmd.Process != nil {
		_ = kill() // whatever the scanner left running
	}
	switch {
	case cmd.Process == nil:
		return neutral("did not start: %v", runErr)
	case runErr != nil && errors.Is(context.Cause(ctx), errTimeout):
		return neutral("timed out after %gs", timeout.Seconds())
	case runErr != nil && ctx.Err() != nil:
		return neutral("was stopped: %v", context.Cause(ctx))
	case stdout.overflowed():
		return neutral("printed more than %d MiB of output", MaxOutput>>20)
	}
	log, err := parseSARIF(stdout.bytes())
	if err != nil {
		var exit *exec.ExitError
		if errors.As(runErr, &exit) {
			msg := fmt.Sprintf("failed with %v and printed no SARIF (%v)", exit, err)
			if s := firstLines(stderr.String(), 5); s != "" {
				msg += "; its standard error begins:\n" + s
			}
			return neutral("%s", msg)
		}
		res.Conclusion, res.Message = checks.Neutral, fmt.Sprintf("scanner %s: %v", sc.Name, err)
		return res
	}

	res.Conclusion = checks.Success
	bases := []string{dir}
	if real, err := filepath.EvalSymlinks(dir); err == nil && real != dir {
		bases = append(bases, real)
	}
	for i := range log.Runs {
		run := &log.Runs[i]
		for _, r := range run.Results {
			if !r.finding() {
				continue
			}
			a := annotation(sc.Name, run.rule(r), r, bases, mapBack)
			res.Annotations = append(res.Annotations, a)
			if a.Level == checks.LevelFailure {
				res.Conclusion = checks.Failure
			}
		}
	}
	res.Annotations = checks.SortAnnotations(res.Annotations)
	return res
}

func annotation(scanner string, rule sarifRule, r sarifResult, bases []string, mapBack MapBack) checks.Annotation {
	id := firstNonBlank(r.RuleID, rule.ID, "finding")
	a := checks.Annotation{
		Level:   level(r.Level, rule.DefaultConfiguration.Level),
		Rule:    scanner + "." + id,
		Title:   scanner + ": " + id,
		Message: firstNonBlank(r.Message.Text, r.Message.Markdown, rule.ShortDescription.Text, id),
	}
	for _, loc := range r.Locations {
		pl := loc.PhysicalLocation
		rel := relPath(bases, pl.ArtifactLocation.URI)
		if rel == "" {
			continue
		}
		line := max(pl.Region.StartLine, 0)
		a.Source = rel
		a.Pos = platform.Pos{File: rel, Line: line}
		if mapBack != nil {
			if pos, env, ok := mapBack(rel, line); ok {
				a.Pos, a.Env = pos, env
			}
		}
		break
	}
	return a
}

func firstNonBlank(s ...string) string {
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// killGroup kills the scanner's process group: the scanner and everything
// it started that did not leave the group.
func killGroup(cmd *exec.Cmd) error {
	err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

func environ() []string {
	var env []string
	for _, k := range scannerEnv {
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

// capped keeps the first max bytes written to it. Past that it keeps
// nothing more, calls overflow once, and fails the write, which stops the
// copy from the scanner.
type capped struct {
	mu       sync.Mutex
	buf      []byte
	max      int
	over     bool
	overflow func()
}

var errOverflow = errors.New("output limit reached")

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	room := c.max - len(c.buf)
	if len(p) <= room {
		c.buf = append(c.buf, p...)
		return len(p), nil
	}
	c.buf = append(c.buf, p[:max(room, 0)]...)
	if c.overflow == nil {
		return len(p), nil // keep the beginning, drop the rest quietly
	}
	if !c.over {
		c.over = true
		c.overflow()
	}
	return 0, errOverflow
}

func (c *capped) overflowed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.over
}

func (c *capped) bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf
}

func (c *capped) String() string { return string(c.bytes()) }
