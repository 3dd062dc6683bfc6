package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/checks/policy"
	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers"
)

// DefaultPolicyTimeout bounds policy evaluation of one check.
const DefaultPolicyTimeout = 2 * time.Minute

// CheckOptions says what to check and against what.
type CheckOptions struct {
	// Head is the platform repo as changed.
	Head fs.FS
	// Base is the platform repo before the change. Policies, platform
	// settings and scanners come from it, and only what changed since it
	// is judged. Nil judges all of Head with Head's own policies.
	Base fs.FS
	// Bundle is the default policy bundle.
	Bundle fs.FS
	// Today is the date exceptions expire against, YYYY-MM-DD.
	Today string
	// ExpiringWithin is how many days before its expiry an exception is
	// warned of; zero means policy.DefaultExpiringWithin, negative never.
	ExpiringWithin int
	// PolicyTimeout bounds policy evaluation; zero means the default.
	PolicyTimeout time.Duration
	// Scan runs the scanners; nil runs none and reports dip/scan skipped.
	Scan Scanner
	// Facts, HeadBlobs and BaseBlobs, all set with Base, let a check read
	// only the request files a change touches and those that bear on
	// them, taking what it must know of the others from Facts by their
	// content's id; the report is the same. The blobs must give the id of
	// every request file of Head and Base (a file they leave out is
	// read). Facts learns the files the check reads.
	Facts                *FactIndex
	HeadBlobs, BaseBlobs Blobs
}

// Scanner runs the dip/scan check over requests and rendered files in
// scope, with the scanners of plat.
type Scanner func(ctx context.Context, plat *platform.Platform, requests []*platform.Document, files []renderers.File) checks.Result

// CheckRun is everything a check found.
type CheckRun struct {
	Report checks.Report
	// Head and Base are the two builds; Base is nil without a base.
	Head, Base *Build
	// Scope is what was judged; nil is everything.
	Scope   *Scope
	Diff    RenderDiff
	Verdict *policy.Verdict
	// Impact is set when the change touches the platform's policies.
	Impact        *Impact
	BundleVersion string
}

// Check runs the pull request pipeline: validate, render, policy, scan.
// The error is for a head repo that cannot be used at all, or for an
// internal failure; everything a change can cause is in the report.
func Check(ctx context.Context, opt CheckOptions) (*CheckRun, error) {
	if opt.PolicyTimeout == 0 {
		opt.PolicyTimeout = DefaultPolicyTimeout
	}
	run := &CheckRun{}
	if err := run.load(opt); err != nil {
		return nil, err
	}
	configFS := opt.Head
	if opt.Base != nil {
		configFS = opt.Base
	}
	// Only what is judged is rendered: the requests in scope, and in the
	// base those and the ones the change removed.
	if run.Head.Repo != nil {
		run.Head.render(run.Scope)
	}
	if run.Base != nil && run.Base.Repo != nil {
		run.Base.render(run.Scope.withRemoved())
	}
	config := run.configPlatform()

	run.Diff = renderDiff(run.Head, run.Base, run.Scope)
	run.Report.Results = []checks.Result{
		run.validateResult(),
		run.policyResult(ctx, opt, configFS, config),
		run.scanResult(ctx, opt, config),
		run.renderResult(),
	}
	return run, nil
}

// load reads and validates both sides and finds the scope of the change.
func (run *CheckRun) load(opt CheckOptions) error {
	if err := run.loadSides(opt); err != nil {
		return err
	}
	if run.Scope != nil {
		run.Scope.addChangedProblems(run.Head, run.Base)
	}
	return nil
}

// loadSides reads and validates both sides, the changed parts only when
// it can (loadChange), and finds the files the change touches.
func (run *CheckRun) loadSides(opt CheckOptions) error {
	if run.loadChange(opt) {
		return nil
	}
	var err error
	if run.Head, err = Validate(opt.Head); err != nil {
		return err
	}
	if opt.Base == nil {
		return nil
	}
	switch run.Base, err = validateReusing(opt.Base, run.Head.Source); {
	case errors.Is(err, platform.ErrNotPlatformRepo):
		run.Base = nil // the change creates the platform repo
	case err != nil:
		return fmt.Errorf("base: %w", err)
	}
	if run.Base != nil {
		run.Scope = ChangeScope(run.Head.Source, run.Base.Source)
	}
	return nil
}

// configPlatform is the platform whose settings apply: the base's when
// there is a valid one, so that a change cannot pick its own scanners.
func (run *CheckRun) configPlatform() *platform.Platform {
	if run.Base != nil && run.Base.Repo != nil {
		return run.Base.Repo.Platform
	}
	if run.Base == nil && run.Head.Repo != nil {
		return run.Head.Repo.Platform
	}
	return nil
}

func (run *CheckRun) validateResult() checks.Result {
	var ds platform.Diagnostics
	for _, d := range run.Head.Diagnostics {
		if d.Rule != "render" && (run.Scope.Has(d.File) || !isRequestFile(d.File)) {
			ds = append(ds, d)
		}
	}
	res := checks.Result{Name: checks.Validate, Annotations: checks.FromDiagnostics(ds)}
	judged := run.judgedRequests()
	errs, warnings := len(ds.Errors()), len(ds.Warnings())
	switch {
	case errs > 0:
		res.Conclusion = checks.Failure
		res.Title = fmt.Sprintf("%s in %s", plural(errs, "problem"), plural(countFiles(checks.FromDiagnostics(ds.Errors())), "file"))
		if warnings > 0 {
			res.Title += fmt.Sprintf(", %s", plural(warnings, "warning"))
		}
	case warnings > 0:
		res.Conclusion = checks.Success
		res.Title = fmt.Sprintf("%s valid, %s", plural(judged, "request"), plural(warnings, "warning"))
	default:
		res.Conclusion = checks.Success
		res.Title = fmt.Sprintf("%s valid", plural(judged, "request"))
	}
	res.Summary = validateSummary(run, res)
	return res
}

func (run *CheckRun) judgedRequests() int {
	n := 0
	for _, d := range run.Head.Source.Requests {
		if run.Scope.Has(d.File) {
			n++
		}
	}
	return n
}

func isRequestFile(file string) bool {
	return len(file) > len(platform.RequestsDir) && file[:len(platform.RequestsDir)+1] == platform.RequestsDir+"/"
}

func (run *CheckRun) policyResult(ctx context.Context, opt CheckOptions, configFS fs.FS, config *platform.Platform) checks.Result {
	res := checks.Result{Name: checks.Policy}
	if run.Head.Repo == nil {
		return skipped(res, "platform.yaml is invalid; see dip/validate")
	}
	pols, err := LoadPolicies(opt.Bundle, configFS, config)
	if err != nil {
		res.Conclusion = checks.Failure
		res.Title = "The policies do not compile"
		res.Summary = fmt.Sprintf("The policies this repo is judged by could not be loaded, so nothing was judged. "+
			"This is for the platform team to fix:\n\n```\n%v\n```\n", err)
		return res
	}
	run.BundleVersion = pols.BundleVersion
	subjects, err := policySubjects(run.Head, run.Scope, config.Output.Path)
	if err != nil {
		return neutral(res, "Rendered output could not be read for policies", err)
	}
	pctx, cancel := context.WithTimeout(ctx, opt.PolicyTimeout)
	defer cancel()
	verdict, err := pols.Engine.Check(pctx, subjects, opt.Today)
	if err != nil {
		if errors.Is(pctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("policy evaluation did not finish within %v: %w", opt.PolicyTimeout, err)
		}
		return neutral(res, "Policies could not be evaluated", err)
	}
	run.Verdict = verdict
	res.Annotations = verdict.Annotations
	if within := cmp.Or(opt.ExpiringWithin, policy.DefaultExpiringWithin); within > 0 {
		if soon := policy.Expiring(verdict, opt.Today, within); len(soon) > 0 {
			res.Annotations = checks.SortAnnotations(append(res.Annotations, soon...))
		}
	}
	if run.Base != nil {
		run.Impact, err = policyImpact(pctx, opt, run, pols, config)
		if err != nil {
			run.Impact = &Impact{Err: err}
		}
		if run.Impact != nil && run.Impact.Err != nil {
			// Merging policies that do not compile would stop every check.
			res.Annotations = append(res.Annotations, policyErrorAnnotations(run.Impact.Err)...)
		}
	}
	res.Conclusion, res.Title = conclude(res.Annotations, "policy", "policies passed")
	res.Summary = policySummary(run, res)
	return res
}

func (run *CheckRun) scanResult(ctx context.Context, opt CheckOptions, config *platform.Platform) checks.Result {
	res := checks.Result{Name: checks.Scan}
	if opt.Scan == nil {
		return skipped(res, "no scanners were run")
	}
	if run.Head.Repo == nil || config == nil {
		return skipped(res, "platform.yaml is invalid; see dip/validate")
	}
	var docs []*platform.Document
	for _, d := range run.Head.Source.Requests {
		if run.Scope.Has(d.File) {
			docs = append(docs, d)
		}
	}
	return opt.Scan(ctx, config, docs, renderedFiles(run.Head.Files, run.Scope))
}

func skipped(res checks.Result, why string) checks.Result {
	res.Conclusion = checks.Skipped
	res.Title = "Skipped: " + why
	res.Summary = "Skipped: " + why + ".\n"
	return res
}

func neutral(res checks.Result, title string, err error) checks.Result {
	res.Conclusion = checks.Neutral
	res.Title = title
	res.Summary = fmt.Sprintf("%s. This is not a problem with the change; run the check again.\n\n```\n%v\n```\n", title, err)
	return res
}

// conclude gives a conclusion and title from annotations.
func conclude(as []checks.Annotation, noun, allPassed string) (checks.Conclusion, string) {
	failures, warnings := 0, 0
	for _, a := range as {
		switch a.Level {
		case checks.LevelFailure:
			failures++
		case checks.LevelWarning:
			warnings++
		}
	}
	switch {
	case failures > 0 && warnings > 0:
		return checks.Failure, fmt.Sprintf("%s, %s", plural(failures, noun+" failure"), plural(warnings, "warning"))
	case failures > 0:
		return checks.Failure, plural(failures, noun+" failure")
	case warnings > 0:
		return checks.Success, fmt.Sprintf("Passed with %s", plural(warnings, "warning"))
	}
	return checks.Success, "All " + allPassed
}

func countFiles(as []checks.Annotation) int {
	files := map[string]bool{}
	for _, a := range as {
		files[a.File] = true
	}
	return len(files)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
