package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/dipdev/dip/internal/bench"
)

// measurement is the best wall time and the peak memory of repeated runs
// of one command.
type measurement struct {
	wall   time.Duration
	maxRSS int64 // bytes
}

// measure runs argv runs times and keeps the fastest wall time and the
// largest peak resident set size.
func measure(runs int, argv ...string) (measurement, error) { return run(runs, false, argv...) }

// measureAllowFail is measure for commands that exit 1 on findings.
func measureAllowFail(runs int, argv ...string) (measurement, error) { return run(runs, true, argv...) }

func run(runs int, findingsOK bool, argv ...string) (measurement, error) {
	var m measurement
	for i := range runs {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Stdout, cmd.Stderr = nil, os.Stderr
		start := time.Now()
		if err := cmd.Run(); err != nil && !(findingsOK && cmd.ProcessState != nil && cmd.ProcessState.ExitCode() == 1) {
			return m, fmt.Errorf("%v: %w", argv[:min(len(argv), 4)], err)
		}
		wall := time.Since(start)
		if i == 0 || wall < m.wall {
			m.wall = wall
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			m.maxRSS = max(m.maxRSS, ru.Maxrss*1024)
		}
	}
	return m, nil
}

func engine(args []string) error {
	c, err := parseCommon("engine", args, "100,1000,10000", 3, nil)
	if err != nil {
		return err
	}
	defer c.cleanup()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dip, runs, counts, dir := &c.dip, &c.runs, c.counts, c.dir
	fmt.Printf("| requests | floor: read+parse | dip validate | dip render | render / floor | render peak RSS |\n")
	fmt.Printf("|---:|---:|---:|---:|---:|---:|\n")
	var renders []measurement
	for _, n := range counts {
		repo := filepath.Join(dir, fmt.Sprintf("repo-%d", n))
		if err := bench.Generate(repo, n); err != nil {
			return err
		}
		fl, err := measure(*runs, self, "floor", repo)
		if err != nil {
			return err
		}
		va, err := measure(*runs, *dip, "validate", "--repo", repo)
		if err != nil {
			return err
		}
		re, err := measure(*runs, *dip, "render", "--repo", repo, "--out", filepath.Join(dir, fmt.Sprintf("out-%d", n)))
		if err != nil {
			return err
		}
		renders = append(renders, re)
		fmt.Printf("| %d | %s | %s | %s | %.1f× | %d MiB |\n", n, ms(fl.wall), ms(va.wall), ms(re.wall),
			float64(re.wall)/float64(fl.wall), re.maxRSS>>20)
	}
	if len(counts) > 1 {
		first, last := 0, len(counts)-1
		perFirst := float64(renders[first].wall) / float64(counts[first])
		perLast := float64(renders[last].wall) / float64(counts[last])
		fmt.Printf("\nrender time per request at %d vs %d requests: %.2f× (1.0 is linear; below 1 the fixed start-up cost dominates small repos)\n",
			counts[last], counts[first], perLast/perFirst)
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }
