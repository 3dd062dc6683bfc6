package policy_test

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dipdev/dip/checks/policy"
)

const storage = `package storage

# METADATA
# title: Queues are encrypted
# custom:
#   id: terraform.queue_encryption
#   field: spec.encrypted
deny_unencrypted contains msg if {
	some name, q in input.resource.aws_sqs_queue
	not q.sqs_managed_sse_enabled
	msg := sprintf("queue %q is not encrypted", [name])
}

# METADATA
# custom:
#   id: terraform.queue_retention
warn contains {"msg": "short retention", "_loc": {"file": "x.tf", "line": 3}, "hint": "raise it"} if {
	some q in input.resource.aws_sqs_queue
	q.message_retention_seconds < 3600
}

violation contains sprintf("file %s in %s", [data.conftest.file.name, data.conftest.file.dir]) if {
	input.kind == "Flagged"
}

exception contains rules if {
	input.exempt
	rules := ["unencrypted"]
}
`

const naming = `package naming

deny contains msg if {
	input.metadata.name == data.banned.name
	msg := "banned name"
}
`

func compile(t *testing.T, data map[string]any, mods ...policy.Module) *policy.Engine {
	t.Helper()
	e, err := policy.Compile(mods, data)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

type got struct {
	Input    int
	ID       string
	Rule     string
	Excepted bool
	Message  string
	Loc      string
}

func summarize(out *policy.Outcome) []got {
	var g []got
	for _, f := range out.Findings {
		loc := ""
		if f.Location != nil {
			loc = f.Location.String()
		}
		g = append(g, got{f.Input, f.Rule.ID, f.Rule.Name, f.Excepted, f.Message, loc})
	}
	sort.Slice(g, func(i, j int) bool {
		if g[i].Input != g[j].Input {
			return g[i].Input < g[j].Input
		}
		return g[i].Message < g[j].Message
	})
	return g
}

func TestConftestSemantics(t *testing.T) {
	e := compile(t, map[string]any{"banned": map[string]any{"name": "evil"}},
		policy.Module{Path: "p/storage.rego", Source: []byte(storage)},
		policy.Module{Path: "p/naming.rego", Source: []byte(naming)},
	)
	queue := func(sse bool, retention int) any {
		return map[string]any{"resource": map[string]any{"aws_sqs_queue": map[string]any{
			"this": map[string]any{"sqs_managed_sse_enabled": sse, "message_retention_seconds": retention},
		}}}
	}
	exempt := queue(false, 7200).(map[string]any)
	exempt["exempt"] = true
	inputs := []policy.Input{
		{Path: "out/a/main.tf", Value: queue(true, 7200)},
		{Path: "out/b/main.tf", Value: queue(false, 60)},
		{Path: "out/c/main.tf", Value: exempt},
		{Path: "requests/t/flag.yaml", Value: []any{
			map[string]any{"kind": "Flagged", "metadata": map[string]any{"name": "evil"}},
			map[string]any{"kind": "Other", "metadata": map[string]any{"name": "fine"}},
		}},
	}
	out, err := e.Eval(context.Background(), inputs)
	if err != nil {
		t.Fatal(err)
	}
	want := []got{
		{1, "terraform.queue_encryption", "deny_unencrypted", false, `queue "this" is not encrypted`, ""},
		{1, "terraform.queue_retention", "warn", false, "short retention", "x.tf L3"},
		{2, "terraform.queue_encryption", "deny_unencrypted", true, `data.storage.exception[_][_] == "unencrypted"`, ""},
		{3, "naming", "deny", false, "banned name", ""},
		{3, "storage", "violation", false, "file flag.yaml in requests/t", ""},
	}
	if diff := cmp.Diff(want, summarize(out)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	// conftest counts, per document, the rule bodies that gave no result.
	if diff := cmp.Diff([]int{4, 2, 3, 6}, out.Successes); diff != "" {
		t.Errorf("successes (-want +got):\n%s", diff)
	}
	for _, f := range out.Findings {
		if f.Rule.Name == "warn" && f.Metadata["hint"] != "raise it" {
			t.Errorf("object result lost its metadata: %v", f.Metadata)
		}
	}
	var rule *policy.Rule
	for _, r := range e.Rules() {
		if r.Name == "deny_unencrypted" {
			rule = r
		}
	}
	if rule == nil || rule.Field != "spec.encrypted" || rule.Title != "Queues are encrypted" || rule.File != "p/storage.rego" {
		t.Errorf("rule metadata = %+v", rule)
	}
}

func TestEvalIsDeterministicAndParallelSafe(t *testing.T) {
	e := compile(t, nil, policy.Module{Path: "s.rego", Source: []byte(storage)})
	var inputs []policy.Input
	for i := range 500 {
		inputs = append(inputs, policy.Input{Path: "f.tf", Value: map[string]any{"resource": map[string]any{
			"aws_sqs_queue": map[string]any{"q": map[string]any{"sqs_managed_sse_enabled": i%2 == 0}}}}})
	}
	first, err := e.Eval(context.Background(), inputs)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Findings) != 250 {
		t.Fatalf("findings = %d, want 250", len(first.Findings))
	}
	second, err := e.Eval(context.Background(), inputs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(summarize(first), summarize(second)); diff != "" {
		t.Errorf("two evaluations differ:\n%s", diff)
	}
}

func TestCompileErrorsNameFileAndLine(t *testing.T) {
	for name, tc := range map[string]struct{ src, want string }{
		"syntax":              {"package x\n\ndeny contains msg if {\n  msg := \n}\n", "bad.rego:5"},
		"undefined":           {"package x\n\ndeny contains msg if {\n  msg := nothing.here\n}\n", "bad.rego:4"},
		"if without contains": {"package x\n\ndeny if {\n  true\n}\n", "bad.rego:3"},
		"network":             {"package x\n\ndeny contains msg if {\n  r := http.send({\"method\": \"get\", \"url\": \"http://x\"})\n  msg := r.body\n}\n", "bad.rego:4"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := policy.Compile([]policy.Module{{Path: "bad.rego", Source: []byte(tc.src)}}, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Compile: err = %v, want one naming %s", err, tc.want)
			}
		})
	}
}

func TestRunawayPolicyIsBounded(t *testing.T) {
	src := `package slow

deny contains msg if {
	n := count([x | some x in numbers.range(1, 100000000); x % 7 == 0])
	msg := sprintf("%d", [n])
}
`
	e := compile(t, nil, policy.Module{Path: "slow.rego", Source: []byte(src)})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.Eval(ctx, []policy.Input{{Path: "a.tf", Value: map[string]any{}}})
	if err == nil {
		t.Fatal("a runaway policy finished without error")
	}
	if !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "cancel") {
		t.Errorf("err = %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("evaluation ran %v past a 200ms deadline", d)
	}
}
