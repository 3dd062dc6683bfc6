// Package policy evaluates Rego policies the way `conftest test
// --all-namespaces` does: every package is a namespace, its deny, violation
// and warn rules (with an optional _suffix) are queried against every input
// document, and its exception rules suppress them. Policies are compiled
// once and evaluated in parallel with prepared queries.
package policy

import (
	"cmp"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

var (
	warningRule = regexp.MustCompile("^warn(_[a-zA-Z0-9]+)*$")
	failureRule = regexp.MustCompile("^(deny|violation)(_[a-zA-Z0-9]+)*$")
)

// Module is one Rego source file.
type Module struct {
	// Path names the file in errors and reports, such as
	// "policies/naming.rego".
	Path   string
	Source []byte
}

// Rule is a deny, violation or warn rule set: every body of one rule name
// in one package, which conftest queries as one.
type Rule struct {
	Namespace string // package path without "data."
	Name      string // deny, deny_unencrypted, warn, ...
	Failure   bool   // deny or violation; else warn
	// ID is the METADATA custom.id of its bodies, else the package path;
	// Declared tells which.
	ID       string
	Declared bool
	// Field is the request field the rule judges (METADATA custom.field).
	Field string
	Title string
	// File is the policy file the rule is written in.
	File string
	// bodies is how many bodies the rule has, which conftest counts as
	// successes when they produce nothing.
	bodies int
}

// Engine is a compiled set of policies and data documents.
type Engine struct {
	compiler *ast.Compiler
	data     map[string]any
	rules    []*Rule
	// exceptions holds the namespaces that define exception rules.
	exceptions map[string]bool
}

// Compile parses and compiles modules (Rego v1) with data as the base
// document. Errors name the policy file and line. Network built-ins
// (http.send, net.lookup_ip_addr) are not available: policies judge the
// repo, not the outside world.
func Compile(modules []Module, data map[string]any) (*Engine, error) {
	parsed := make(map[string]*ast.Module, len(modules))
	for _, m := range modules {
		if _, dup := parsed[m.Path]; dup {
			return nil, fmt.Errorf("policy %s is given twice", m.Path)
		}
		mod, err := ast.ParseModuleWithOpts(m.Path, string(m.Source), ast.ParserOptions{
			ProcessAnnotation: true,
			RegoVersion:       ast.RegoV1,
		})
		if err != nil {
			return nil, fmt.Errorf("parse policy: %w", err)
		}
		if mod == nil {
			return nil, fmt.Errorf("parse policy %s: file holds no package", m.Path)
		}
		parsed[m.Path] = mod
	}
	if err := problematicIf(parsed); err != nil {
		return nil, err
	}
	compiler := ast.NewCompiler().
		WithEnablePrintStatements(true).
		WithCapabilities(capabilities())
	compiler.Compile(parsed)
	if compiler.Failed() {
		return nil, fmt.Errorf("compile policies: %w", compiler.Errors)
	}
	e := &Engine{compiler: compiler, data: data, exceptions: map[string]bool{}}
	if e.data == nil {
		e.data = map[string]any{}
	}
	e.rules = collectRules(compiler, e.exceptions)
	return e, nil
}

// Rules returns the rule sets the engine evaluates, sorted by namespace
// and name.
func (e *Engine) Rules() []*Rule { return slices.Clone(e.rules) }

func capabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	caps.Builtins = slices.DeleteFunc(slices.Clone(caps.Builtins), func(b *ast.Builtin) bool {
		return b.Name == "http.send" || b.Name == "net.lookup_ip_addr"
	})
	return caps
}

func collectRules(c *ast.Compiler, exceptions map[string]bool) []*Rule {
	as := c.GetAnnotationSet()
	byKey := map[string]*Rule{}
	ids := map[string]map[string]bool{}
	for _, path := range slices.Sorted(maps.Keys(c.Modules)) {
		mod := c.Modules[path]
		ns := strings.TrimPrefix(mod.Package.Path.String(), "data.")
		for _, r := range mod.Rules {
			name := r.Head.Name.String()
			if name == "" && len(r.Head.Reference) > 0 {
				name = r.Head.Reference[0].Value.String()
			}
			if name == "exception" {
				exceptions[ns] = true
				continue
			}
			failure := failureRule.MatchString(name)
			if !failure && !warningRule.MatchString(name) {
				continue
			}
			key := ns + "\x00" + name
			rule := byKey[key]
			if rule == nil {
				rule = &Rule{Namespace: ns, Name: name, Failure: failure, File: path}
				byKey[key] = rule
				ids[key] = map[string]bool{}
			}
			rule.bodies++
			for _, ref := range as.Chain(r) {
				a := ref.Annotations
				if a == nil {
					continue
				}
				if id, ok := a.Custom["id"].(string); ok && id != "" {
					ids[key][id] = true
				}
				if f, ok := a.Custom["field"].(string); ok && rule.Field == "" {
					rule.Field = f
				}
				if rule.Title == "" {
					rule.Title = a.Title
				}
			}
		}
	}
	out := slices.Collect(maps.Values(byKey))
	for _, r := range out {
		set := ids[r.Namespace+"\x00"+r.Name]
		if len(set) == 1 {
			r.ID = slices.Collect(maps.Keys(set))[0]
			r.Declared = true
		} else {
			// No id, or bodies that disagree: the package path names it.
			r.ID = r.Namespace
		}
	}
	slices.SortFunc(out, func(a, b *Rule) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// problematicIf rejects a deny, violation or warn rule that is not a set
// of messages, such as `deny if {...}`. conftest rejects some of these and
// silently passes the others; dip names the file and line.
func problematicIf(modules map[string]*ast.Module) error {
	for _, path := range slices.Sorted(maps.Keys(modules)) {
		for _, rule := range modules[path].Rules {
			if rule.Head == nil || len(rule.Head.Reference) == 0 {
				continue
			}
			name := rule.Head.Reference[0].Value.String()
			if len(rule.Head.Reference) == 1 && (failureRule.MatchString(name) || warningRule.MatchString(name)) && rule.Head.RuleKind() != ast.MultiValue {
				return fmt.Errorf("%s:%d: rule %s must be a set of messages; write `%s contains msg if { ... }`",
					path, rule.Head.Location.Row, name, name)
			}
		}
	}
	return nil
}
