package policy

import (
	"context"
	"fmt"
	"path"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/open-policy-agent/conftest/output"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// Input is one document to judge.
type Input struct {
	// Path is the file the document comes from. Policies see its base name
	// and directory as data.conftest.file.name and .dir.
	Path string
	// Value is the parsed document. A []any holds the documents of one
	// multi-document file, each judged on its own, as conftest does.
	Value any
}

// Finding is one message of one rule for one input.
type Finding struct {
	// Input is the index of the input in the slice given to Eval.
	Input int
	Rule  *Rule
	// Excepted is set when an exception rule of the policy's package
	// suppressed the rule for this input; Message is then conftest's
	// exception query.
	Excepted bool
	Message  string
	// Location is the result's _loc, when it returned one.
	Location *output.Location
	// Metadata is the rest of an object result (without msg and _loc).
	Metadata map[string]any
}

// Outcome is what Eval found.
type Outcome struct {
	Findings []Finding
	// Successes counts, per input, the rule bodies that passed, the way
	// conftest counts them.
	Successes []int
}

type prepared struct {
	rule      *Rule
	query     rego.PreparedEvalQuery
	exception *rego.PreparedEvalQuery
}

// Eval judges every input with every rule. It stops early, with an error,
// when ctx ends: a policy that runs away is bounded by the caller's
// deadline.
func (e *Engine) Eval(ctx context.Context, inputs []Input) (*Outcome, error) {
	perInput := make([][]Finding, len(inputs))
	successes := make([]int, len(inputs))
	workers := min(runtime.GOMAXPROCS(0), len(inputs))
	var next atomic.Int64
	errs := make([]error, workers)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			store, queries, err := e.prepare(ctx)
			if err != nil {
				errs[w] = err
				cancel()
				return
			}
			for {
				i := int(next.Add(1) - 1)
				if i >= len(inputs) || ctx.Err() != nil {
					return
				}
				found, ok, err := e.evalInput(ctx, store, queries, i, inputs[i])
				if err != nil {
					errs[w] = fmt.Errorf("evaluate policies on %s: %w", inputs[i].Path, err)
					cancel()
					return
				}
				perInput[i], successes[i] = found, ok
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := &Outcome{Successes: successes}
	for _, f := range perInput {
		out.Findings = append(out.Findings, f...)
	}
	return out, nil
}

// prepare gives one worker its own store, so that data.conftest.file can
// be written per input without contention, and its own prepared queries.
func (e *Engine) prepare(ctx context.Context) (storage.Store, []prepared, error) {
	store := inmem.NewFromObjectWithOpts(e.data, inmem.OptRoundTripOnWrite(false))
	rt := ast.NewTerm(ast.NewObject(
		[2]*ast.Term{ast.StringTerm("env"), ast.NewTerm(ast.NewObject())},
	))
	prep := func(q string) (rego.PreparedEvalQuery, error) {
		return rego.New(
			rego.Query(q),
			rego.Compiler(e.compiler),
			rego.Store(store),
			rego.Runtime(rt),
		).PrepareForEval(ctx)
	}
	queries := make([]prepared, len(e.rules))
	for i, r := range e.rules {
		q, err := prep(fmt.Sprintf("data.%s.%s", r.Namespace, r.Name))
		if err != nil {
			return nil, nil, fmt.Errorf("prepare %s.%s: %w", r.Namespace, r.Name, err)
		}
		queries[i] = prepared{rule: r, query: q}
		if e.exceptions[r.Namespace] {
			ex, err := prep(exceptionQuery(r))
			if err != nil {
				return nil, nil, fmt.Errorf("prepare exceptions of %s: %w", r.Namespace, err)
			}
			queries[i].exception = &ex
		}
	}
	return store, queries, nil
}

func exceptionQuery(r *Rule) string {
	return fmt.Sprintf("data.%s.exception[_][_] == %q", r.Namespace, removeRulePrefix(r.Name))
}

// removeRulePrefix gives the name exception rules use for a rule: deny_foo
// is excepted as "foo", and deny alone as "".
func removeRulePrefix(rule string) string {
	if rule == "violation" || rule == "deny" || rule == "warn" {
		return ""
	}
	rule = strings.TrimPrefix(rule, "violation_")
	rule = strings.TrimPrefix(rule, "deny_")
	return strings.TrimPrefix(rule, "warn_")
}

func (e *Engine) evalInput(ctx context.Context, store storage.Store, queries []prepared, idx int, in Input) ([]Finding, int, error) {
	txn, err := store.NewTransaction(ctx, storage.WriteParams)
	if err != nil {
		return nil, 0, err
	}
	defer store.Abort(ctx, txn)
	if err := storage.MakeDir(ctx, store, txn, storage.Path{"conftest"}); err != nil {
		return nil, 0, err
	}
	file := map[string]any{"name": path.Base(in.Path), "dir": path.Dir(in.Path)}
	if err := store.Write(ctx, txn, storage.AddOp, storage.Path{"conftest", "file"}, file); err != nil {
		return nil, 0, err
	}
	docs := []any{in.Value}
	if many, ok := in.Value.([]any); ok {
		docs = many
	}
	var found []Finding
	successes := 0
	for _, doc := range docs {
		input, err := ast.InterfaceToValue(doc)
		if err != nil {
			return nil, 0, fmt.Errorf("convert input: %w", err)
		}
		f, ok, err := evalDoc(ctx, txn, queries, idx, input)
		if err != nil {
			return nil, 0, err
		}
		found = append(found, f...)
		successes += ok
	}
	return found, successes, nil
}

// evalDoc follows conftest's check: per rule, an exception query, then the
// rule itself; an excepted rule reports its exceptions instead of results.
// Successes are counted per namespace as conftest counts them: rule bodies
// that produced no result count as passed.
func evalDoc(ctx context.Context, txn storage.Transaction, queries []prepared, idx int, input ast.Value) ([]Finding, int, error) {
	var found []Finding
	successes := 0
	for start := 0; start < len(queries); {
		end := start
		for end < len(queries) && queries[end].rule.Namespace == queries[start].rule.Namespace {
			end++
		}
		f, ok, err := evalNamespace(ctx, txn, queries[start:end], idx, input)
		if err != nil {
			return nil, 0, err
		}
		found = append(found, f...)
		successes += ok
		start = end
	}
	return found, successes, nil
}

func evalNamespace(ctx context.Context, txn storage.Transaction, queries []prepared, idx int, input ast.Value) ([]Finding, int, error) {
	var found []Finding
	successes, bodies := 0, 0
	for _, q := range queries {
		bodies += q.rule.bodies
		excepted := false
		if q.exception != nil {
			rs, err := q.exception.Eval(ctx, rego.EvalParsedInput(input), rego.EvalTransaction(txn))
			if err != nil {
				return nil, 0, fmt.Errorf("query exceptions of %s: %w", q.rule.Namespace, err)
			}
			for range rs {
				excepted = true
				found = append(found, Finding{Input: idx, Rule: q.rule, Excepted: true, Message: exceptionQuery(q.rule)})
			}
		}
		rs, err := q.query.Eval(ctx, rego.EvalParsedInput(input), rego.EvalTransaction(txn))
		if err != nil {
			return nil, 0, fmt.Errorf("query %s.%s: %w", q.rule.Namespace, q.rule.Name, err)
		}
		if excepted {
			continue
		}
		for _, r := range rs {
			for _, expr := range r.Expressions {
				values, _ := expr.Value.([]any)
				if len(values) == 0 {
					successes++
					continue
				}
				for _, v := range values {
					f, ok, err := finding(q.rule, idx, v)
					if err != nil {
						return nil, 0, err
					}
					if ok {
						found = append(found, f)
					}
				}
			}
		}
	}
	if results := len(found) + successes; results < bodies {
		successes += bodies - results
	}
	return found, successes, nil
}

// finding converts one value of a rule's set: a message string, or an
// object with msg and optionally _loc and more metadata.
func finding(rule *Rule, idx int, v any) (Finding, bool, error) {
	f := Finding{Input: idx, Rule: rule}
	switch val := v.(type) {
	case string:
		f.Message = val
	case map[string]any:
		res, err := output.NewResult(val)
		if err != nil {
			return f, false, fmt.Errorf("result of %s.%s: %w", rule.Namespace, rule.Name, err)
		}
		f.Message, f.Location, f.Metadata = res.Message, res.Location, res.Metadata
	default:
		return f, false, nil
	}
	return f, true, nil
}
