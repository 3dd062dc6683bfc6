package main

import (
	"flag"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/dipdev/dip/internal/bench"
)

// auditBench times dip audit on generated histories of N render commits:
// reading every record (target: 10,000 commits in under 5 s) and
// verifying the last -verify of them, against git log reading the same
// commits' messages in the same run.
func auditBench(args []string) error {
	var requests, verify int
	c, err := parseCommon("audit", args, "1000,10000", 3, func(fl *flag.FlagSet) {
		fl.IntVar(&requests, "requests", 100, "requests of the generated platform repo")
		fl.IntVar(&verify, "verify", 100, "render commits verified, the last ones")
	})
	if err != nil {
		return err
	}
	defer c.cleanup()
	fmt.Printf("| render commits | generate | git log (baseline) | dip audit | ratio | peak RSS | dip audit --verify --last %d | per commit verified | peak RSS |\n", verify)
	fmt.Printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, n := range c.counts {
		repo := filepath.Join(c.dir, fmt.Sprintf("history-%d.git", n))
		start := time.Now()
		if err := bench.GenerateHistory(repo, n-1, requests); err != nil {
			return err
		}
		gen := time.Since(start)
		if _, err := exec.LookPath("git"); err != nil {
			return err
		}
		base, err := measure(c.runs, "git", "--git-dir", repo, "log", "--format=%H%n%B", "rendered")
		if err != nil {
			return err
		}
		read, err := measure(c.runs, c.dip, "audit", "--repo", repo, "--format", "json")
		if err != nil {
			return err
		}
		ver, err := measure(1, c.dip, "audit", "--repo", repo, "--verify", "--last", strconv.Itoa(verify))
		if err != nil {
			return err
		}
		fmt.Printf("| %d | %s | %s | %s | %.1f× | %d MiB | %s | %s | %d MiB |\n", n, ms(gen), ms(base.wall), ms(read.wall),
			float64(read.wall)/float64(base.wall), read.maxRSS>>20, ms(ver.wall), ms(ver.wall/time.Duration(min(verify, n))), ver.maxRSS>>20)
	}
	return nil
}
