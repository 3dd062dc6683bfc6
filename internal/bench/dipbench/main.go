// Command dipbench measures dip on synthetic platform repos: wall time and
// peak memory of whole dip processes, against a floor measured in the same
// run. `make bench` runs it.
//
//	dipbench gen -n 1000 [-v1] DIR write a synthetic repo
//	dipbench engine -dip bin/dip   validate and render at several sizes
//	dipbench floor DIR             read and YAML-parse every file (the floor)
//	dipbench memory DIR            validate and render in memory, writing nothing
//	dipbench policy -dip bin/dip   dip's policy engine against the conftest CLI
//	dipbench base -dip bin/dip     dip check --base on one changed request
//	dipbench migrate -dip bin/dip  dip migrate of an all-dip/v1 repo against dip validate
//	dipbench webhook -d 5s         webhook receipt under load, against a plain handler (-host github,gitlab)
//	dipbench audit -dip bin/dip    dip audit and --verify on generated histories, against git log
//	dipbench history -n 10000 DIR  write a history of N render commits
package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/dipdev/dip/internal/bench"
	"github.com/dipdev/dip/internal/parallel"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: dipbench gen|engine|floor ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2:])
	case "engine":
		err = engine(os.Args[2:])
	case "floor":
		err = floor(os.Args[2:])
	case "memory":
		err = memory(os.Args[2:])
	case "policy":
		err = policyBench(os.Args[2:])
	case "base":
		err = baseBench(os.Args[2:])
	case "migrate":
		err = migrateBench(os.Args[2:])
	case "eval":
		err = eval(os.Args[2:])
	case "webhook":
		err = webhookBench(os.Args[2:])
	case "audit":
		err = auditBench(os.Args[2:])
	case "history":
		err = history(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dipbench:", err)
		os.Exit(2)
	}
}

func gen(args []string) error {
	fl := flag.NewFlagSet("gen", flag.ContinueOnError)
	n := fl.Int("n", 1000, "number of requests")
	v1 := fl.Bool("v1", false, "every request on dip/v1")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() != 1 {
		return fmt.Errorf("gen takes one directory")
	}
	if *v1 {
		return bench.GenerateV1(fl.Arg(0), *n)
	}
	return bench.Generate(fl.Arg(0), *n)
}

func history(args []string) error {
	fl := flag.NewFlagSet("history", flag.ContinueOnError)
	n := fl.Int("n", 10000, "render commits")
	requests := fl.Int("requests", 100, "requests of the platform repo")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() != 1 || *n < 1 {
		return fmt.Errorf("history takes one directory and -n of 1 or more")
	}
	return bench.GenerateHistory(fl.Arg(0), *n-1, *requests)
}

// floor reads and YAML-parses every .yaml file below a directory with as
// many workers as dip uses: the least any engine must do with the repo.
func floor(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("floor takes one directory")
	}
	var files []string
	err := filepath.WalkDir(args[0], func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yaml") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return err
	}
	errs := make([]error, len(files))
	parallel.For(len(files), func(i int) {
		data, err := os.ReadFile(files[i])
		if err == nil {
			var n yaml.Node
			err = yaml.Unmarshal(data, &n)
		}
		errs[i] = err
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	fmt.Printf("parsed %d files\n", len(files))
	return nil
}

// common holds what every measuring command takes.
type common struct {
	dip    string
	counts []int
	runs   int
	// dir is a work directory on the project's disk (temporary directories
	// may live on a much slower file system); cleanup removes it.
	dir     string
	cleanup func()
}

// parseCommon parses the shared flags, and those extra adds, and creates
// the work directory.
func parseCommon(name string, args []string, defaultN string, defaultRuns int, extra func(*flag.FlagSet)) (*common, error) {
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	c := &common{}
	fl.StringVar(&c.dip, "dip", "bin/dip", "dip binary")
	ns := fl.String("n", defaultN, "repo sizes, in requests")
	fl.IntVar(&c.runs, "runs", defaultRuns, "runs of each command; the fastest counts")
	if extra != nil {
		extra(fl)
	}
	if err := fl.Parse(args); err != nil {
		return nil, err
	}
	var err error
	if c.counts, err = sizes(*ns); err != nil {
		return nil, err
	}
	if c.dir, err = os.MkdirTemp(".", ".bench-"); err != nil {
		return nil, err
	}
	c.cleanup = func() { os.RemoveAll(c.dir) }
	return c, nil
}

func sizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("bad size %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}
