package policy

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/platform"
)

// Subject is one input document and the request it stands for, so that a
// finding lands on the request a reviewer reads rather than on generated
// output.
type Subject struct {
	Input Input
	// Request is the source request, or nil for a document of no request.
	Request *platform.Request
	// Env is the environment a rendered document was rendered for; empty
	// for the request itself.
	Env string
}

// Verdict is the policy check's outcome.
type Verdict struct {
	Annotations []checks.Annotation
	// Exceptions are the request exceptions in force that suppressed at
	// least one finding, and Unused those in force that suppressed nothing.
	Exceptions []Applied
	Unused     []Applied
	// Rules is how many rule sets were evaluated; Inputs how many documents.
	Rules, Inputs int
}

// Applied is a request exception and the findings it suppressed.
type Applied struct {
	Request    string
	Exception  platform.Exception
	Suppressed int
}

// Failed reports whether any annotation is a failure.
func (v *Verdict) Failed() bool {
	return slices.ContainsFunc(v.Annotations, func(a checks.Annotation) bool { return a.Level == checks.LevelFailure })
}

// Check evaluates every subject and places each finding on its request.
// A request's metadata.exceptions suppress findings of the named policy
// for that request through their expiry date; today (YYYY-MM-DD) decides
// which have expired, and an expired exception, or one naming no policy
// of the engine, is itself a failure.
func (e *Engine) Check(ctx context.Context, subjects []Subject, today string) (*Verdict, error) {
	inputs := make([]Input, len(subjects))
	for i, s := range subjects {
		inputs[i] = s.Input
	}
	out, err := e.Eval(ctx, inputs)
	if err != nil {
		return nil, err
	}
	v := &Verdict{Rules: len(e.rules), Inputs: len(inputs)}
	ids := map[string]bool{}
	for _, r := range e.rules {
		ids[r.ID] = true
	}
	// Exceptions in force, by request file and policy id.
	type key struct{ file, id string }
	inForce := map[key]*Applied{}
	requests := map[string]*platform.Request{}
	for _, s := range subjects {
		if s.Request != nil {
			requests[s.Request.File] = s.Request
		}
	}
	for _, file := range slices.Sorted(maps.Keys(requests)) {
		req := requests[file]
		for _, ex := range req.Exceptions {
			switch {
			case !ids[ex.Policy]:
				v.Annotations = append(v.Annotations, checks.Annotation{Pos: ex.Pos, Level: checks.LevelFailure,
					Rule: "policy.exception", Title: "Exception names no policy",
					Message: fmt.Sprintf("exception names policy %q, which no policy has; known ids look like %q", ex.Policy, exampleID(e.rules))})
			case ex.Expires < today:
				v.Annotations = append(v.Annotations, checks.Annotation{Pos: ex.Pos, Level: checks.LevelFailure,
					Rule: "policy.exception", Title: "Exception expired",
					Message: fmt.Sprintf("exception to %s expired on %s; fix what it excused, or renew it with a new reason and date", ex.Policy, ex.Expires)})
			default:
				inForce[key{file, ex.Policy}] = &Applied{Request: file, Exception: ex}
			}
		}
	}
	for _, f := range out.Findings {
		s := subjects[f.Input]
		if f.Excepted {
			continue // the policy's own exception rule excused it
		}
		if s.Request != nil {
			if a := inForce[key{s.Request.File, f.Rule.ID}]; a != nil {
				a.Suppressed++
				continue
			}
		}
		v.Annotations = append(v.Annotations, annotate(f, s))
	}
	for _, k := range slices.SortedFunc(maps.Keys(inForce), func(a, b key) int {
		return strings.Compare(a.file+"\x00"+a.id, b.file+"\x00"+b.id)
	}) {
		a := inForce[k]
		if a.Suppressed > 0 {
			v.Exceptions = append(v.Exceptions, *a)
		} else {
			v.Unused = append(v.Unused, *a)
		}
	}
	v.Annotations = mergeEnvironments(checks.SortAnnotations(v.Annotations))
	return v, nil
}

func exampleID(rules []*Rule) string {
	if len(rules) == 0 {
		return "terraform.enforce_encryption"
	}
	return rules[0].ID
}

// annotate places a finding: on the result's own _loc when it gave one,
// else on the request field the rule (or the result's "field") names, in
// the environment's overrides when set there, else on the request's spec.
func annotate(f Finding, s Subject) checks.Annotation {
	a := checks.Annotation{
		Level:   checks.LevelFailure,
		Rule:    f.Rule.ID,
		Title:   f.Rule.Title,
		Message: f.Message,
		Env:     s.Env,
	}
	if !f.Rule.Failure {
		a.Level = checks.LevelWarning
	}
	if a.Title == "" {
		a.Title = f.Rule.ID
	}
	if s.Request == nil || s.Input.Path != s.Request.File {
		a.Source = s.Input.Path
	}
	switch {
	case f.Location != nil && f.Location.File != "":
		line, _ := f.Location.Line.Int64()
		a.Pos = platform.Pos{File: f.Location.File, Line: int(line)}
	case s.Request != nil:
		field := f.Rule.Field
		if mf, ok := f.Metadata["field"].(string); ok && mf != "" {
			field = mf
		}
		if field == "" {
			field = "spec"
		}
		a.Pos = s.Request.FieldPos(s.Env, field)
	default:
		a.Pos = platform.Pos{File: s.Input.Path, Line: 1}
	}
	return a
}

// mergeEnvironments joins annotations that differ only in environment and
// rendered source into one, naming every environment: the same finding in
// staging and production is one thing for the reviewer to fix.
func mergeEnvironments(as []checks.Annotation) []checks.Annotation {
	type key struct {
		pos                        platform.Pos
		level                      checks.Level
		rule, title, message, base string
	}
	index := map[key]int{}
	var out []checks.Annotation
	for _, a := range as {
		k := key{a.Pos, a.Level, a.Rule, a.Title, a.Message, envFree(a.Source, a.Env)}
		if i, ok := index[k]; ok {
			if a.Env != "" && !slices.Contains(strings.Split(out[i].Env, ", "), a.Env) {
				out[i].Env += ", " + a.Env
			}
			continue
		}
		index[k] = len(out)
		out = append(out, a)
	}
	return out
}

// envFree drops the leading environment directory of a rendered path, so
// that the same file of two environments compares equal.
func envFree(source, env string) string {
	if env != "" {
		if rest, ok := strings.CutPrefix(source, env+"/"); ok {
			return rest
		}
		if i := strings.Index(source, "/"+env+"/"); i >= 0 {
			return source[:i] + source[i+len(env)+1:]
		}
	}
	return source
}
