package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/internal/bench"
	"github.com/dipdev/dip/internal/parallel"
)

// measurement is the best wall time and the peak memory of repeated runs
// of one command.
type measurement struct {
	wall   time.Duration
	maxRSS int64 // bytes
}

// measure runs argv runs times and keeps the fastest wall time and the
// largest peak resident set size.
func measure(runs int, argv ...string) (measurement, error) { return run(runs, false, nil, argv...) }

// measureAllowFail is measure for commands that exit 1 on findings.
func measureAllowFail(runs int, argv ...string) (measurement, error) {
	return run(runs, true, nil, argv...)
}

// measureEach is measure with before called ahead of each run, untimed.
func measureEach(runs int, before func() error, argv ...string) (measurement, error) {
	return run(runs, false, before, argv...)
}

func run(runs int, findingsOK bool, before func() error, argv ...string) (measurement, error) {
	var m measurement
	for i := range runs {
		if before != nil {
			if err := before(); err != nil {
				return m, err
			}
		}
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

// engine measures, at each size: the floor (reading and YAML-parsing the
// files), dip validate, validating and rendering in memory (the engine's
// own work), dip render into a new directory and over its own earlier
// output, and writing the same tree with plain os.WriteFile calls (what
// the disk costs, whoever writes).
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
	fmt.Printf("| requests | floor: read+parse | dip validate | validate+render in memory | dip render, new directory | dip render over its output | plain write of the same tree | in memory / floor | render peak RSS |\n")
	fmt.Printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	var mems []measurement
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
		mem, err := measure(*runs, self, "memory", repo)
		if err != nil {
			return err
		}
		mems = append(mems, mem)
		out := filepath.Join(dir, fmt.Sprintf("out-%d", n))
		fresh, err := measureEach(*runs, func() error { return os.RemoveAll(out) },
			*dip, "render", "--repo", repo, "--out", out)
		if err != nil {
			return err
		}
		over, err := measure(*runs, *dip, "render", "--repo", repo, "--out", out)
		if err != nil {
			return err
		}
		plain, err := plainWrite(*runs, out, filepath.Join(dir, fmt.Sprintf("plain-%d", n)))
		if err != nil {
			return err
		}
		fmt.Printf("| %d | %s | %s | %s | %s | %s | %s | %.1f× | %d MiB |\n", n, ms(fl.wall), ms(va.wall), ms(mem.wall),
			ms(fresh.wall), ms(over.wall), ms(plain), float64(mem.wall)/float64(fl.wall), max(fresh.maxRSS, over.maxRSS)>>20)
	}
	if len(counts) > 1 {
		first, last := 0, len(counts)-1
		perFirst := float64(mems[first].wall) / float64(counts[first])
		perLast := float64(mems[last].wall) / float64(counts[last])
		fmt.Printf("\nvalidate+render time per request at %d vs %d requests: %.2f× (1.0 is linear; below 1 the fixed start-up cost dominates small repos)\n",
			counts[last], counts[first], perLast/perFirst)
	}
	return nil
}

// memory validates and renders repo in memory, writing nothing: the
// engine's work without the disk's.
func memory(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("memory takes one directory")
	}
	b, err := pipeline.Render(os.DirFS(args[0]))
	if err != nil {
		return err
	}
	if errs := b.Diagnostics.Errors(); len(errs) > 0 {
		return fmt.Errorf("%d problems, first: %v", len(errs), errs[0])
	}
	return nil
}

// plainWrite reads the tree below src into memory, then, runs times,
// writes it to a new directory beside dst with os.MkdirAll and
// os.WriteFile on GOMAXPROCS goroutines, swaps it into place with two
// renames and removes the old tree with os.RemoveAll: what replacing the
// output costs with the plainest code. A first, untimed run leaves a tree
// to replace. It returns the fastest timed run.
func plainWrite(runs int, src, dst string) (time.Duration, error) {
	type file struct {
		rel  string
		data []byte
	}
	var files []file
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(src, p)
		files = append(files, file{rel, data})
		return err
	})
	if err != nil {
		return 0, err
	}
	var best time.Duration
	for i := range runs + 1 {
		start := time.Now()
		tmp := dst + ".new"
		errs := make([]error, len(files))
		parallel.For(len(files), func(i int) {
			p := filepath.Join(tmp, files[i].rel)
			if errs[i] = os.MkdirAll(filepath.Dir(p), 0o755); errs[i] == nil {
				errs[i] = os.WriteFile(p, files[i].data, 0o644)
			}
		})
		if err := errors.Join(errs...); err != nil {
			return 0, err
		}
		if err := os.Rename(dst, dst+".old"); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return 0, err
		}
		if err := os.Rename(tmp, dst); err != nil {
			return 0, err
		}
		if err := os.RemoveAll(dst + ".old"); err != nil {
			return 0, err
		}
		if wall := time.Since(start); i > 0 && (best == 0 || wall < best) {
			best = wall
		}
	}
	return best, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }
