package queue_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/dipdev/dip/app/queue"
	"github.com/dipdev/dip/vcs"
)

// childEnv, set to a directory, makes the test binary play the process
// that is killed: see runChild.
const childEnv = "DIP_QUEUE_TEST_CHILD_DIR"

// TestJobsSurviveKill kills a process with SIGKILL while one job of its
// queue runs and another waits, then opens the same SQLite file in this
// process and expects both jobs to run to completion: the waiting one at
// once, the running one after River's rescuer finds it stuck.
func TestJobsSurviveKill(t *testing.T) {
	if dir := os.Getenv(childEnv); dir != "" {
		runChild(t, dir)
		return
	}
	if testing.Short() {
		t.Skip("waits for the killed process's leadership to lapse")
	}
	t.Parallel()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestJobsSurviveKill$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	marker := filepath.Join(dir, "running")
	waitFor(t, 30*time.Second, "the child to run its job", func() bool {
		_, err := os.Stat(marker)
		return err == nil
	})
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, want killed", err)
	}

	rec := newRecorder(nil)
	q := testQueue(t, queue.Config{
		DatabaseURL: filepath.Join(dir, "dip.db"),
		JobTimeout:  500 * time.Millisecond,
		RescueAfter: time.Second,
	}, rec)
	start(t, q)
	rec.wait(t, 1, 10*time.Second)
	if n := rec.count("waiting"); n != 1 {
		t.Fatalf("the job queued but not started before the kill ran %d times, want 1; calls: %v", n, rec.snapshot())
	}
	// The killed process led River's maintenance; its leadership lapses
	// after at most 15 s, then the rescuer and scheduler requeue the job.
	rec.wait(t, 1, 40*time.Second)
	if n := rec.count("running"); n != 1 {
		t.Fatalf("the job running at the kill ran %d times here, want 1; calls: %v", n, rec.snapshot())
	}
}

// runChild opens a queue on dir/dip.db with one worker, queues two jobs,
// and blocks in the first until it is killed, after creating dir/running.
func runChild(t *testing.T, dir string) {
	ctx := context.Background()
	h := queue.HandlerFunc(func(ctx context.Context, ev vcs.Event) error {
		if ev.DeliveryID != "running" {
			return errors.New("the waiting job ran in the child")
		}
		if err := os.WriteFile(filepath.Join(dir, "running"), nil, 0o644); err != nil {
			return err
		}
		select {} // until killed
	})
	q, err := queue.Open(ctx, queue.Config{DatabaseURL: filepath.Join(dir, "dip.db"), Workers: 1}, h)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"running", "waiting"} {
		if _, err := q.Enqueue(ctx, pushEvent(id, "refs/heads/"+id, "abc")); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	select {}
}
