// Package codemods migrates platform requests from one version of their
// blueprint to the next. There is one codemod per kind and pair of
// versions; they chain (dip/v1 to dip/v2, then dip/v2 to dip/v3).
//
// A codemod edits the request's file, not a re-encoding of it: each change
// is computed on the YAML node tree that go.yaml.in/yaml/v3 parses and
// spliced into the original bytes at the positions of the nodes it
// touches, so that comments, key order, quoting, anchors, line endings and
// every untouched line stay exactly as they were. Each migration is then
// checked: the edited file must parse, hold exactly the value the codemod
// meant it to (computed apart from the text), and keep every comment. A
// request a codemod cannot migrate exactly (an alias into a field it
// rewrites, a value of the wrong type, a layout it cannot edit) is
// reported with its file and line and left as it is.
//
// Codemods are pure: they read no clock, do no I/O beyond the bytes they
// are given, and log nothing.
package codemods

import (
	"errors"
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/dipdev/dip/platform"
)

// Codemod migrates requests of one kind from one blueprint version to the
// next.
type Codemod struct {
	// Name is stable; it names the migration in reports, branches and
	// commit trailers: platform.CodemodName(Kind, From, To).
	Name     string
	Kind     string
	From, To string
	// Summary says in a line what the migration changes.
	Summary string
	// Spec migrates one mapping: the request's spec, then the partial
	// spec of each environment's overrides.
	Spec func(m *Mapping) error
}

// Registry is a set of codemods, at most one per kind and version.
type Registry struct {
	codemods []*Codemod
}

// NewRegistry returns a registry of cs. Each must be named as
// platform.CodemodName names it, and no two may migrate the same kind
// from the same version.
func NewRegistry(cs ...*Codemod) (*Registry, error) {
	r := &Registry{}
	for _, c := range cs {
		if c.Name != platform.CodemodName(c.Kind, c.From, c.To) || c.Spec == nil {
			return nil, fmt.Errorf("codemod %q: must be named %s and have a Spec", c.Name, platform.CodemodName(c.Kind, c.From, c.To))
		}
		if r.from(c.From, c.Kind) != nil {
			return nil, fmt.Errorf("codemod %s: another codemod migrates %s %s", c.Name, c.Kind, c.From)
		}
		r.codemods = append(r.codemods, c)
	}
	return r, nil
}

// Default returns the registry of the built-in codemods.
func Default() *Registry { return &Registry{codemods: slices.Clone(builtin)} }

// Codemods returns every codemod of r.
func (r *Registry) Codemods() []*Codemod { return slices.Clone(r.codemods) }

// Lookup returns the codemod called name, or nil.
func (r *Registry) Lookup(name string) *Codemod {
	for _, c := range r.codemods {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func (r *Registry) from(apiVersion, kind string) *Codemod {
	for _, c := range r.codemods {
		if c.From == apiVersion && c.Kind == kind {
			return c
		}
	}
	return nil
}

// Pending returns the codemods that migrate a request of kind at
// apiVersion to the newest version they reach, in the order they apply.
func (r *Registry) Pending(apiVersion, kind string) []*Codemod {
	var out []*Codemod
	for c := r.from(apiVersion, kind); c != nil && len(out) < len(r.codemods); c = r.from(c.To, kind) {
		out = append(out, c)
	}
	return out
}

// Result is a request file after its pending codemods.
type Result struct {
	// From and To are the request's apiVersion before and after.
	From, To string
	// Applied names the codemods applied, in order; empty when none was
	// pending.
	Applied []string
	// Doc is the migrated file, parsed; the request's own document when
	// nothing was pending.
	Doc *platform.Document
}

// Changed reports whether the migration changed the file.
func (r *Result) Changed() bool { return len(r.Applied) > 0 }

// Migrate applies every codemod pending for the request doc, in order.
// The error is a platform.Diagnostic at the file and line of what could
// not be migrated; the request is then not migrated at all.
func (r *Registry) Migrate(doc *platform.Document) (*Result, error) {
	version, kind := identity(doc)
	res := &Result{From: version, To: version, Doc: doc}
	for _, c := range r.Pending(version, kind) {
		next, err := c.Apply(res.Doc)
		if err != nil {
			return nil, err
		}
		res.Doc, res.To = next, c.To
		res.Applied = append(res.Applied, c.Name)
	}
	return res, nil
}

// MigrateFile parses data, the bytes of file, and migrates it. A file
// that does not parse is a diagnostic, as platform.ParseYAML reports it.
func (r *Registry) MigrateFile(file string, data []byte) (*Result, error) {
	doc, err := platform.ParseYAML(file, data)
	if err != nil {
		return nil, err
	}
	return r.Migrate(doc)
}

func identity(doc *platform.Document) (apiVersion, kind string) {
	top, _ := doc.Value.(map[string]any)
	apiVersion, _ = top["apiVersion"].(string)
	kind, _ = top["kind"].(string)
	return apiVersion, kind
}

// Apply migrates the request doc, of c's kind and version, and returns
// the migrated file parsed. The error is a platform.Diagnostic.
func (c *Codemod) Apply(doc *platform.Document) (*platform.Document, error) {
	if v, k := identity(doc); v != c.From || k != c.Kind {
		return nil, c.problem(doc, doc.Root, fmt.Sprintf("the request is %s %s, not %s %s", k, v, c.Kind, c.From))
	}
	e := newEditor(doc)
	want, err := c.edit(e, doc)
	if err != nil {
		var u *unsafe
		if errors.As(err, &u) {
			return nil, c.problem(doc, u.n, u.msg)
		}
		return nil, c.problem(doc, doc.Root, err.Error())
	}
	out, err := e.apply()
	if err != nil {
		return nil, c.problem(doc, doc.Root, err.Error())
	}
	next, err := verify(doc, out, want)
	if err != nil {
		return nil, c.problem(doc, doc.Root, err.Error())
	}
	return next, nil
}

// edit records the edits of the migration of doc and returns the value
// the migrated request must have.
func (c *Codemod) edit(e *editor, doc *platform.Document) (any, error) {
	want := deepCopy(doc.Value).(map[string]any)
	root := doc.Root
	if root.Kind != yaml.MappingNode {
		return nil, failAt(root, "the request is not a mapping")
	}
	top := &Mapping{e: e, node: root, key: root, value: want, path: "request"}
	if err := top.setScalar("apiVersion", c.To); err != nil {
		return nil, err
	}
	specKey, specNode := top.entry("spec")
	if specKey == nil {
		return want, nil
	}
	spec, err := e.mapping(specKey, specNode, want["spec"], "spec")
	if err != nil || spec == nil {
		return want, err
	}
	var overrides []*Mapping
	if ovKey, ov := spec.entry("overrides"); ovKey != nil {
		ov = resolve(ov)
		if ov.Kind != yaml.MappingNode {
			return nil, failAt(ovKey, "spec.overrides: a %s where a mapping of environments is expected", kindName(ov))
		}
		values, _ := spec.value["overrides"].(map[string]any)
		for i := 0; i+1 < len(ov.Content); i += 2 {
			k := ov.Content[i]
			m, err := e.mapping(k, ov.Content[i+1], values[k.Value], "spec.overrides."+k.Value)
			if err != nil {
				return nil, err
			}
			if m != nil {
				overrides = append(overrides, m)
			}
		}
	}
	if err := c.Spec(spec); err != nil {
		return nil, err
	}
	for _, m := range overrides {
		if err := c.Spec(m); err != nil {
			return nil, err
		}
	}
	return want, nil
}

// mapping returns the Mapping of the value v of key k, or nil when v is
// null; value is v as a plain value.
func (e *editor) mapping(k, v *yaml.Node, value any, path string) (*Mapping, error) {
	n := resolve(v)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil, nil
	}
	m, ok := value.(map[string]any)
	if n.Kind != yaml.MappingNode || !ok {
		return nil, failAt(k, "%s: a %s where a mapping is expected", path, kindName(n))
	}
	shared := e.edited[n]
	e.edited[n] = true
	return &Mapping{e: e, node: n, key: k, value: m, path: path, shared: shared}, nil
}

// setScalar sets the single value of key to value, keeping its quoting.
func (m *Mapping) setScalar(key string, value string) error {
	k, v := m.entry(key)
	if k == nil {
		return failAt(m.node, "the request has no %s", key)
	}
	switch {
	case v.Kind == yaml.AliasNode:
		return failAt(v, "%s: an alias (*%s); write the value out", key, v.Value)
	case m.e.aliased[v]:
		return failAt(v, "%s: the anchor &%s, which an alias refers to; write the values out", key, v.Anchor)
	}
	s, err := m.e.scalar(v)
	if err != nil {
		return err
	}
	m.e.replace(s.text, s.end, render(value, v.Style))
	m.value[key] = value
	return nil
}

func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < platform.MaxDepth; i++ {
		n = n.Alias
	}
	return n
}

// problem is the diagnostic of a request c cannot migrate.
func (c *Codemod) problem(doc *platform.Document, n *yaml.Node, msg string) error {
	return platform.Diagnostic{
		Pos:     platform.PosOf(doc.File, n),
		Rule:    "codemod",
		Message: fmt.Sprintf("%s cannot migrate this request safely: %s; it is left as it is, migrate it by hand", c.Name, msg),
	}
}
