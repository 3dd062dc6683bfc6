package pipeline

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/platform"
)

// Impact is what a change to the platform's policies would do to the
// requests already in the repo.
type Impact struct {
	// Err is set when the changed policies could not be judged, for
	// example because they do not compile.
	Err error
	// NewlyFailing and NewlyPassing list requests whose failures the
	// changed policies add or take away.
	NewlyFailing, NewlyPassing []ImpactEntry
	// Requests is how many requests were judged with both policy sets.
	Requests int
}

// ImpactEntry is one request and the failures that differ for it.
type ImpactEntry struct {
	Request  string   `json:"request"`
	Failures []string `json:"failures"`
}

// policyImpact judges every request of the head with the head's own
// policies as well as the base's, when the change touches policies/.
func policyImpact(ctx context.Context, opt CheckOptions, run *CheckRun, base *Policies, config *platform.Platform) (*Impact, error) {
	head, err := LoadPolicies(opt.Bundle, opt.Head, config)
	if err != nil {
		return &Impact{Err: fmt.Errorf("the changed policies do not compile: %w", err)}, nil
	}
	if head.SameRepoPolicies(base) {
		return nil, nil
	}
	// Every request is judged, so every request is read and rendered.
	all := run.Head
	switch {
	case run.Head.partial():
		if all, err = Validate(opt.Head); err != nil {
			return nil, err
		}
		if all.Repo == nil {
			return nil, fmt.Errorf("head platform.yaml is invalid")
		}
		all.render(nil)
	case run.Scope != nil:
		all = &Build{Repo: run.Head.Repo, Source: run.Head.Source}
		all.render(nil)
	}
	subjects, err := policySubjects(all, nil, config.Output.Path)
	if err != nil {
		return nil, err
	}
	before, err := base.Engine.Check(ctx, subjects, opt.Today)
	if err != nil {
		return nil, err
	}
	after, err := head.Engine.Check(ctx, subjects, opt.Today)
	if err != nil {
		return nil, err
	}
	im := &Impact{Requests: len(all.Repo.Requests)}
	b, a := failuresByFile(before.Annotations), failuresByFile(after.Annotations)
	for _, file := range slices.Sorted(maps.Keys(a)) {
		if added := difference(a[file], b[file]); len(added) > 0 {
			im.NewlyFailing = append(im.NewlyFailing, ImpactEntry{Request: file, Failures: added})
		}
	}
	for _, file := range slices.Sorted(maps.Keys(b)) {
		if gone := difference(b[file], a[file]); len(gone) > 0 {
			im.NewlyPassing = append(im.NewlyPassing, ImpactEntry{Request: file, Failures: gone})
		}
	}
	return im, nil
}

func failuresByFile(as []checks.Annotation) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, a := range as {
		if a.Level != checks.LevelFailure {
			continue
		}
		if out[a.File] == nil {
			out[a.File] = map[string]bool{}
		}
		out[a.File][a.Rule+": "+a.Message] = true
	}
	return out
}

func difference(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

var regoErrorPos = regexp.MustCompile(`(?m)(\S+\.rego):(\d+)`)

// policyErrorAnnotations places a policy compile error on the policy file
// and line it names.
func policyErrorAnnotations(err error) []checks.Annotation {
	var out []checks.Annotation
	for _, m := range regoErrorPos.FindAllStringSubmatch(err.Error(), 10) {
		line, _ := strconv.Atoi(m[2])
		out = append(out, checks.Annotation{Pos: platform.Pos{File: m[1], Line: line}, Level: checks.LevelFailure,
			Rule: "policy.compile", Title: "Policy does not compile", Message: err.Error()})
	}
	return out
}
