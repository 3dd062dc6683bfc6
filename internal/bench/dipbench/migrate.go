package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/dipdev/dip/internal/bench"
)

// migrateBench times dip migrate over repos whose requests are all on
// dip/v1, against dip validate of the same repo in the same run: without
// --write (validate, migrate and render-compare every request that
// migrates, print the patch) and with --write (the same, and write the
// files), the repo put back before each run.
func migrateBench(args []string) error {
	c, err := parseCommon("migrate", args, "1000,10000", 3, nil)
	if err != nil {
		return err
	}
	defer c.cleanup()
	fmt.Printf("| requests | migrated | dip validate | dip migrate | / validate | dip migrate --write | / validate | peak RSS migrate |\n")
	fmt.Printf("|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, n := range c.counts {
		repo := filepath.Join(c.dir, fmt.Sprintf("repo-%d", n))
		if err := bench.GenerateV1(repo, n); err != nil {
			return err
		}
		originals, err := migratedFiles(repo)
		if err != nil {
			return err
		}
		restore := func() error {
			for p, data := range originals {
				if err := os.WriteFile(p, data, 0o644); err != nil {
					return err
				}
			}
			return nil
		}
		va, err := measure(c.runs, c.dip, "validate", "--repo", repo)
		if err != nil {
			return err
		}
		dry, err := measure(c.runs, c.dip, "migrate", "--repo", repo)
		if err != nil {
			return err
		}
		wr, err := measureEach(c.runs, restore, c.dip, "migrate", "--repo", repo, "--write")
		if err != nil {
			return err
		}
		// What was written migrates no further and validates without a
		// warning.
		out, err := exec.Command(c.dip, "migrate", "--repo", repo).Output()
		if err != nil || !strings.Contains(string(out), "Nothing to migrate") {
			return fmt.Errorf("dip migrate after --write: %v\n%s", err, out)
		}
		if out, err := exec.Command(c.dip, "validate", "--repo", repo).Output(); err != nil || strings.Contains(string(out), "warning") {
			return fmt.Errorf("dip validate after --write: %v\n%.2000s", err, out)
		}
		fmt.Printf("| %d | %d | %s | %s | %.2f× | %s | %.2f× | %d MiB |\n", n, len(originals), ms(va.wall), ms(dry.wall),
			float64(dry.wall)/float64(va.wall), ms(wr.wall), float64(wr.wall)/float64(va.wall), max(dry.maxRSS, wr.maxRSS)>>20)
	}
	fmt.Println("\ntarget: dip migrate in at most 2× the time of dip validate of the same repo")
	return nil
}

// migratedFiles returns the bytes of the request files of a generated
// repo that dip migrate changes (its databases and services), by path.
func migratedFiles(repo string) (map[string][]byte, error) {
	out := map[string][]byte{}
	paths, err := filepath.Glob(filepath.Join(repo, "requests", "*", "*.yaml"))
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		if base := filepath.Base(p); strings.HasPrefix(base, "db-") || strings.HasPrefix(base, "svc-") {
			data, err := os.ReadFile(p)
			if err != nil {
				return nil, err
			}
			out[p] = data
		}
	}
	return out, nil
}
