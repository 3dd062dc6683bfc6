package app

import (
	"fmt"
	"os"
	"path"
	"runtime"
	"sync"

	"github.com/dipdev/dip/checks/policy"
	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers"
)

// policySubjects returns what policies judge for the requests of b in
// scope: each request as written, and each file rendered from it, parsed
// the way `conftest test` parses them. Rendered files are named as they
// would be in the output directory out.
func policySubjects(b *Build, scope *Scope, out string) ([]policy.Subject, error) {
	var subjects []policy.Subject
	var data [][]byte
	for _, req := range b.Repo.Requests {
		if !scope.Has(req.File) {
			continue
		}
		subjects = append(subjects, policy.Subject{Input: policy.Input{Path: req.File}, Request: req})
		data = append(data, req.Doc.Data)
	}
	byFile := map[string]*platform.Request{}
	for _, req := range b.Repo.Requests {
		byFile[req.File] = req
	}
	for _, f := range b.Files {
		if !scope.Has(f.Source) {
			continue
		}
		subjects = append(subjects, policy.Subject{
			Input:   policy.Input{Path: path.Join(out, f.Path)},
			Request: byFile[f.Source],
			Env:     f.Env,
		})
		data = append(data, f.Data)
	}
	if err := parseInputs(subjects, data); err != nil {
		return nil, err
	}
	return subjects, nil
}

// parseInputs parses data[i] into subjects[i].Input.Value in parallel,
// choosing conftest's parser by file extension.
func parseInputs(subjects []policy.Subject, data [][]byte) error {
	return parallel(len(subjects), func(i int) error { return parseInput(&subjects[i].Input, data[i]) })
}

// ParseInputFiles reads the file of each input and parses it, in parallel,
// as parseInputs does.
func ParseInputFiles(inputs []policy.Input) error {
	return parallel(len(inputs), func(i int) error {
		data, err := os.ReadFile(inputs[i].Path)
		if err != nil {
			return err
		}
		return parseInput(&inputs[i], data)
	})
}

// parallel runs f for 0..n-1 on GOMAXPROCS workers and returns the first
// error by index.
func parallel(n int, f func(int) error) error {
	errs := make([]error, n)
	work := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range work {
				errs[i] = f(i)
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func parseInput(in *policy.Input, data []byte) error {
	v, err := policy.ParseFile(in.Path, data)
	if err != nil {
		return fmt.Errorf("read for policies: %w", err)
	}
	in.Value = v
	return nil
}

// renderedFiles returns the rendered files of requests in scope.
func renderedFiles(files []renderers.File, scope *Scope) []renderers.File {
	if scope == nil {
		return files
	}
	var out []renderers.File
	for _, f := range files {
		if scope.Has(f.Source) {
			out = append(out, f)
		}
	}
	return out
}
