package server_test

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/dipdev/dip/app/server"
	policybundle "github.com/dipdev/dip/policy-bundle"
)

// forgeChildEnv, set, makes the test binary run dip serve for the forge
// CHILD_FORGE names, as the process that is killed.
const forgeChildEnv = "DIP_FORGE_TEST_CHILD"

// TestKillOnEachForge accepts a change's delivery, kills dip serve with
// SIGKILL while its job waits for a retry, and starts it again on the
// same database: the checks complete.
func TestKillOnEachForge(t *testing.T) {
	if os.Getenv(forgeChildEnv) != "" {
		runChildForge(t)
		return
	}
	if testing.Short() {
		t.Skip("starts dip serve twice as a separate process, for each forge")
	}
	t.Parallel()
	onEachForge(t, "testdata/small", func(t *testing.T, f forge) {
		e := f.env()
		dir := t.TempDir()
		dbPath := filepath.Join(dir, "dip.db")
		start := func() (*exec.Cmd, string) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()
			cmd := exec.Command(os.Args[0], "-test.run=^TestKillOnEachForge$", "-test.count=1")
			cmd.Env = append(append(os.Environ(), forgeChildEnv+"=1", "CHILD_LISTEN="+addr, "CHILD_DB="+dbPath,
				"CHILD_CACHE="+filepath.Join(dir, "cache")), f.child()...)
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
			url := "http://" + addr
			waitFor(t, 30*time.Second, "the child dip serve", func() bool {
				resp, err := http.Get(url + "/readyz")
				if err != nil {
					return false
				}
				resp.Body.Close()
				return resp.StatusCode == http.StatusOK
			})
			return cmd, url
		}

		child, url := start()
		sha := e.remote.commit("survive", "Add a queue", map[string]string{"requests/payments/refunds.yaml": smallQueue})
		f.refuseNextStart()
		if got := f.open(&dip{url: url}, 5, "survive", sha, false, "survive-1"); got != http.StatusAccepted {
			t.Fatalf("delivery answered %d", got)
		}
		db, err := sql.Open("sqlite", dbPath+"?_pragma=busy_timeout(5000)")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		waitFor(t, 30*time.Second, "the job to wait for its retry", func() bool {
			var state string
			var attempt int
			err := db.QueryRow(`SELECT state, attempt FROM river_job WHERE kind = 'dip_event'`).Scan(&state, &attempt)
			return err == nil && attempt == 1 && (state == "retryable" || state == "available")
		})
		if err := child.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err = child.Wait()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("child ended with %v, want killed", err)
		}
		for name, c := range f.checks(sha) {
			if c.done {
				t.Fatalf("%s completed before the restart", name)
			}
		}
		start()
		for name, c := range waitForChecks(t, f, sha, time.Minute) {
			if c.conclusion != "success" {
				t.Errorf("%s concluded %q after the restart", name, c.conclusion)
			}
		}
	})
}

// runChildForge is dip serve in the child process, until it is killed.
func runChildForge(t *testing.T) {
	cfg := server.Config{
		Listen: os.Getenv("CHILD_LISTEN"), DatabaseURL: os.Getenv("CHILD_DB"), CacheDir: os.Getenv("CHILD_CACHE"),
		ReconcileInterval: -1, Bundle: policybundle.FS,
	}
	switch os.Getenv("CHILD_FORGE") {
	case "github":
		cfg.AppID, _ = strconv.ParseInt(os.Getenv("CHILD_APP_ID"), 10, 64)
		cfg.PrivateKey, cfg.WebhookSecret, cfg.APIURL = []byte(os.Getenv("CHILD_KEY_PEM")), []byte(secret), os.Getenv("CHILD_API")
	case "gitlab":
		cfg.GitLabURL, cfg.GitLabToken, cfg.GitLabWebhookSecret = os.Getenv("CHILD_GITLAB_URL"), os.Getenv("CHILD_GITLAB_TOKEN"), []byte(gitlabSecret)
	}
	err := server.Run(context.Background(), cfg)
	t.Fatalf("dip serve returned: %v", err)
}
