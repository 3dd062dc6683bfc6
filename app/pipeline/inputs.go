package pipeline

import (
	"fmt"
	"os"
	"path"

	"github.com/dipdev/dip/checks/policy"
	"github.com/dipdev/dip/internal/parallel"
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
	return eachParallel(len(subjects), func(i int) error { return parseInput(&subjects[i].Input, data[i]) })
}

// ParseInputFiles reads the file of each input and parses it, in parallel,
// as parseInputs does.
func ParseInputFiles(inputs []policy.Input) error {
	return eachParallel(len(inputs), func(i int) error {
		data, err := os.ReadFile(inputs[i].Path)
		if err != nil {
			return err
		}
		return parseInput(&inputs[i], data)
	})
}

// eachParallel runs f for 0..n-1 in parallel and returns the first error
// by index.
func eachParallel(n int, f func(int) error) error {
	errs := make([]error, n)
	parallel.For(n, func(i int) { errs[i] = f(i) })
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
