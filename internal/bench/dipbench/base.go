package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/dipdev/dip/internal/bench"
)

// baseBench times `dip check --base` on a change of one request in repos
// of several sizes: the work should follow the change, not the repo. A
// cold run has no fact cache (the first run in a clone, or after an
// upgrade of dip); a warm one has the cache the cold one left.
func baseBench(args []string) error {
	var whole bool
	c, err := parseCommon("base", args, "100,10000", 3, func(fl *flag.FlagSet) {
		fl.BoolVar(&whole, "whole", true, "also time dip check of the whole repo")
	})
	if err != nil {
		return err
	}
	defer c.cleanup()
	dip, runs, counts, dir := &c.dip, &c.runs, c.counts, c.dir
	fmt.Printf("| requests | --base, cold cache | --base, warm cache | dip check (whole repo) | peak RSS cold | peak RSS warm |\n|---:|---:|---:|---:|---:|---:|\n")
	var cold, warm []measurement
	for _, n := range counts {
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
		argv := []string{*dip, "check", "--repo", repo, "--base", "main"}
		var c measurement
		for i := range *runs {
			if err := os.RemoveAll(filepath.Join(repo, ".git", "dip")); err != nil {
				return err
			}
			m, err := measure(1, argv...)
			if err != nil {
				return err
			}
			if i == 0 || m.wall < c.wall {
				c.wall = m.wall
			}
			c.maxRSS = max(c.maxRSS, m.maxRSS)
		}
		w, err := measure(*runs, argv...)
		if err != nil {
			return err
		}
		cold, warm = append(cold, c), append(warm, w)
		full := "–"
		if whole {
			m, err := measure(1, *dip, "check", "--repo", repo)
			if err != nil {
				return err
			}
			full = ms(m.wall)
		}
		fmt.Printf("| %d | %s | %s | %s | %d MiB | %d MiB |\n", n, ms(c.wall), ms(w.wall), full, c.maxRSS>>20, w.maxRSS>>20)
	}
	if len(counts) > 1 {
		last := len(counts) - 1
		fmt.Printf("\n--base at %d requests vs %d: warm %.2f× (target ≤ 2×), cold %.2f×\n", counts[last], counts[0],
			float64(warm[last].wall)/float64(warm[0].wall), float64(cold[last].wall)/float64(cold[0].wall))
	}
	return nil
}
