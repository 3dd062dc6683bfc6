package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/checks/policy"
	"github.com/dipdev/dip/internal/bench"
	policybundle "github.com/dipdev/dip/policy-bundle"
)

// policyBench compares dip's policy engine with the conftest CLI on the
// requests and rendered output of synthetic repos: same policies (the
// default bundle), same data, same files.
func policyBench(args []string) error {
	var conftestBin string
	c, err := parseCommon("policy", args, "1000,10000", 1, func(fl *flag.FlagSet) {
		fl.StringVar(&conftestBin, "conftest", "conftest", "conftest binary")
	})
	if err != nil {
		return err
	}
	defer c.cleanup()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dip, runs, counts, dir, conftest := &c.dip, &c.runs, c.counts, c.dir, &conftestBin
	bundleDir := filepath.Join(dir, "bundle")
	if err := os.CopyFS(bundleDir, policybundle.FS); err != nil {
		return err
	}
	// conftest loads every .rego it is given, tests included; dip leaves
	// the bundle's tests out, so give both the same files.
	if err := filepath.WalkDir(bundleDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, "_test.rego") {
			return os.Remove(p)
		}
		return err
	}); err != nil {
		return err
	}
	fmt.Printf("| requests | documents | conftest test | dip | speed-up | findings (conftest / dip) |\n|---:|---:|---:|---:|---:|---|\n")
	for _, n := range counts {
		repo := filepath.Join(dir, fmt.Sprintf("repo-%d", n))
		if err := bench.GenerateWithViolations(repo, n); err != nil {
			return err
		}
		if out, err := exec.Command(*dip, "render", "--repo", repo).CombinedOutput(); err != nil {
			return fmt.Errorf("render: %v\n%s", err, out)
		}
		data := filepath.Join(dir, "data.json")
		if err := os.WriteFile(data, []byte(`{"dip":{"platform":{"allowedRegions":["eu-west-1","eu-central-1"]}}}`), 0o644); err != nil {
			return err
		}
		policyArgs := []string{"-p", filepath.Join(bundleDir, "terraform"), "-p", filepath.Join(bundleDir, "kubernetes"), "-p", filepath.Join(bundleDir, "requests")}
		ctArgs := append([]string{"test", "--all-namespaces", "--no-color", "-o", "json", "-d", data}, policyArgs...)
		ctArgs = append(ctArgs, filepath.Join(repo, "requests"), filepath.Join(repo, "rendered"))
		ct, err := measureAllowFail(*runs, append([]string{*conftest}, ctArgs...)...)
		if err != nil {
			return err
		}
		ctFindings, docs, err := conftestFindings(*conftest, ctArgs)
		if err != nil {
			return err
		}
		dipArgs := append([]string{self, "eval", "-d", data}, policyArgs...)
		dipArgs = append(dipArgs, filepath.Join(repo, "requests"), filepath.Join(repo, "rendered"))
		d, err := measure(*runs, dipArgs...)
		if err != nil {
			return err
		}
		out, err := exec.Command(dipArgs[0], dipArgs[1:]...).Output()
		if err != nil {
			return err
		}
		fmt.Printf("| %d | %d | %s | %s | %.1f× | %s / %s |\n", n, docs, ms(ct.wall), ms(d.wall), float64(ct.wall)/float64(d.wall), ctFindings, strings.TrimSpace(string(out)))
	}
	return nil
}

func conftestFindings(bin string, args []string) (string, int, error) {
	out, err := exec.Command(bin, args...).Output()
	if err != nil && len(out) == 0 {
		return "", 0, fmt.Errorf("conftest: %w", err)
	}
	var results []struct {
		Filename                       string
		Failures, Warnings, Exceptions []json.RawMessage
	}
	if err := json.Unmarshal(out, &results); err != nil {
		return "", 0, fmt.Errorf("conftest output: %w", err)
	}
	files := map[string]bool{}
	f, w, e := 0, 0, 0
	for _, r := range results {
		files[r.Filename] = true
		f += len(r.Failures)
		w += len(r.Warnings)
		e += len(r.Exceptions)
	}
	return fmt.Sprintf("%d failures, %d warnings, %d exceptions", f, w, e), len(files), nil
}

// eval is dip's side: load the policies and data, parse every .tf and
// .yaml file below the given paths, evaluate, and print the same counts.
func eval(args []string) error {
	fl := flag.NewFlagSet("eval", flag.ContinueOnError)
	var policies multi
	fl.Var(&policies, "p", "policy directory (repeatable)")
	data := fl.String("d", "", "data file")
	if err := fl.Parse(args); err != nil {
		return err
	}
	var modules []policy.Module
	for _, p := range policies {
		mods, _, err := policy.LoadFS(os.DirFS(p), ".")
		if err != nil {
			return err
		}
		for _, m := range mods {
			m.Path = filepath.Join(p, m.Path)
			modules = append(modules, m)
		}
	}
	doc := map[string]any{}
	if *data != "" {
		raw, err := os.ReadFile(*data)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			return err
		}
	}
	engine, err := policy.Compile(modules, doc)
	if err != nil {
		return err
	}
	var inputs []policy.Input
	for _, root := range fl.Args() {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".tf") || strings.HasSuffix(p, ".yaml")) {
				return err
			}
			inputs = append(inputs, policy.Input{Path: p})
			return nil
		})
		if err != nil {
			return err
		}
	}
	if err := pipeline.ParseInputFiles(inputs); err != nil {
		return err
	}
	out, err := engine.Eval(context.Background(), inputs)
	if err != nil {
		return err
	}
	f, w, e := 0, 0, 0
	for _, x := range out.Findings {
		switch {
		case x.Excepted:
			e++
		case x.Rule.Failure:
			f++
		default:
			w++
		}
	}
	fmt.Printf("%d failures, %d warnings, %d exceptions\n", f, w, e)
	return nil
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }
