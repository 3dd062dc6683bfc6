package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/dipdev/dip/internal/bench"
)

// baseBench times `dip check --base` on a change of one request in repos
// of several sizes: the work should follow the change, not the repo.
func baseBench(args []string) error {
	c, err := parseCommon("base", args, "100,10000", 3, nil)
	if err != nil {
		return err
	}
	defer c.cleanup()
	dip, runs, counts, dir := &c.dip, &c.runs, c.counts, c.dir
	fmt.Printf("| requests | dip check --base (one request changed) | dip check (whole repo) | peak RSS (--base) |\n|---:|---:|---:|---:|\n")
	var first, last measurement
	for i, n := range counts {
		repo := filepath.Join(dir, fmt.Sprintf("repo-%d", n))
		if err := bench.Generate(repo, n); err != nil {
			return err
		}
		for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "-A"}, {"commit", "-q", "-m", "base"}} {
			cmd := exec.Command("git", append([]string{"-c", "user.name=b", "-c", "user.email=b@example.invalid"}, args...)...)
			cmd.Dir = repo
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("git %v: %v\n%s", args, err, out)
			}
		}
		// Change one queue: the request and the service that uses it are judged.
		q := filepath.Join(repo, "requests", "team-000")
		entries, err := os.ReadDir(q)
		if err != nil {
			return err
		}
		changed := ""
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "queue-") {
				changed = filepath.Join(q, e.Name())
				break
			}
		}
		data, err := os.ReadFile(changed)
		if err != nil {
			return err
		}
		if err := os.WriteFile(changed, []byte(strings.Replace(string(data), "visibilityTimeoutSeconds: 60", "visibilityTimeoutSeconds: 90", 1)), 0o644); err != nil {
			return err
		}
		b, err := measure(*runs, *dip, "check", "--repo", repo, "--base", "main")
		if err != nil {
			return err
		}
		full, err := measure(1, *dip, "check", "--repo", repo)
		if err != nil {
			return err
		}
		if i == 0 {
			first = b
		}
		last = b
		fmt.Printf("| %d | %s | %s | %d MiB |\n", n, ms(b.wall), ms(full.wall), b.maxRSS>>20)
	}
	if len(counts) > 1 {
		fmt.Printf("\n--base at %d requests vs %d: %.2f× (target ≤ 2×)\n", counts[len(counts)-1], counts[0], float64(last.wall)/float64(first.wall))
	}
	return nil
}
