package validate

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/dipdev/dip/platform"
)

// SchemaBase is the URL every schema's $id starts with; the rest of the $id
// is the schema's path below Schemas, such as "dip/v1/Service.json".
const SchemaBase = "https://github.com/dipdev/dip/checks/validate/schemas/"

//go:embed schemas
var embedded embed.FS

// Schemas returns the JSON Schemas of every document type, one file per
// apiVersion and kind: "dip/v1/Platform.json", "dip/v1/Team.json" and one
// per request kind, such as "dip/v1/PostgresDatabase.json".
func Schemas() fs.FS {
	sub, err := fs.Sub(embedded, "schemas")
	if err != nil {
		panic(err) // the embedded tree always has the directory
	}
	return sub
}

// schemaSet is every schema, compiled once and shared by all goroutines:
// a compiled schema is read-only while it validates.
type schemaSet struct {
	// compiled maps "dip/v1/Service" to its compiled schema.
	compiled map[string]*jsonschema.Schema
	// raw maps a schema's URL to the schema as parsed, for looking up what
	// a failing keyword's schema allows (field names for suggestions).
	raw map[string]any
}

// The compiled schemas: the embedded ones and those RegisterSchema added.
var (
	schemasMu sync.Mutex
	extra     = map[string][]byte{}
	compiled  atomic.Pointer[schemaSet]
)

func compiledSchemas() *schemaSet {
	if set := compiled.Load(); set != nil {
		return set
	}
	schemasMu.Lock()
	defer schemasMu.Unlock()
	if set := compiled.Load(); set != nil {
		return set
	}
	set, err := compileSchemas(Schemas(), extra)
	if err != nil {
		// The schemas are part of the binary; tests compile them.
		panic(fmt.Sprintf("compile embedded schemas: %v", err))
	}
	compiled.Store(set)
	return set
}

// RegisterSchema adds the JSON Schema of a blueprint version added with
// platform.RegisterKind. name is its path as Schemas names them, such as
// "dip/v3/Service.json", and its $id must be SchemaBase followed by name.
// Register before validating any repo.
func RegisterSchema(name string, data []byte) error {
	schemasMu.Lock()
	defer schemasMu.Unlock()
	if _, err := fs.Stat(Schemas(), name); err == nil || extra[name] != nil {
		return fmt.Errorf("register schema %s: already registered", name)
	}
	extra[name] = data
	set, err := compileSchemas(Schemas(), extra)
	if err != nil {
		delete(extra, name)
		return fmt.Errorf("register schema %s: %w", name, err)
	}
	compiled.Store(set)
	return nil
}

func compileSchemas(fsys fs.FS, more map[string][]byte) (*schemaSet, error) {
	set := &schemaSet{compiled: map[string]*jsonschema.Schema{}, raw: map[string]any{}}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	var names []string
	add := func(p string, data []byte) error {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("parse %s: %w", p, err)
		}
		if m, ok := doc.(map[string]any); !ok || m["$id"] != SchemaBase+p {
			return fmt.Errorf("%s: $id must be %s", p, SchemaBase+p)
		}
		if err := c.AddResource(SchemaBase+p, doc); err != nil {
			return fmt.Errorf("add %s: %w", p, err)
		}
		set.raw[SchemaBase+p] = doc
		names = append(names, p)
		return nil
	}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".json" {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		return add(p, data)
	})
	if err != nil {
		return nil, err
	}
	for _, p := range slices.Sorted(maps.Keys(more)) {
		if err := add(p, more[p]); err != nil {
			return nil, err
		}
	}
	for _, p := range names {
		sch, err := c.Compile(SchemaBase + p)
		if err != nil {
			return nil, fmt.Errorf("compile %s: %w", p, err)
		}
		set.compiled[strings.TrimSuffix(p, ".json")] = sch
	}
	return set, nil
}

// schemaName is the name of the schema of apiVersion and kind.
func schemaName(apiVersion, kind string) string { return apiVersion + "/" + kind }

// check validates doc against the schema called name and reports every
// problem at the line that causes it. It reports whether doc is valid.
func (s *schemaSet) check(doc *platform.Document, name string, ds *platform.Diagnostics) bool {
	sch, ok := s.compiled[name]
	if !ok {
		ds.Add(platform.PosOf(doc.File, doc.Root), "schema", "no schema for %s", name)
		return false
	}
	err := sch.Validate(doc.Value)
	if err == nil {
		return true
	}
	verr, ok := err.(*jsonschema.ValidationError)
	if !ok {
		ds.Add(platform.PosOf(doc.File, doc.Root), "schema", "%v", err)
		return false
	}
	before := len(*ds)
	e := explainer{set: s, doc: doc, ds: ds}
	e.walk(verr)
	if len(*ds) == before {
		ds.Add(platform.PosOf(doc.File, doc.Root), "schema", "%v", verr)
	}
	return false
}

// schemaAt returns the schema object at url, a schema URL with a JSON
// pointer fragment, or nil.
func (s *schemaSet) schemaAt(url string) map[string]any {
	base, frag, _ := strings.Cut(url, "#")
	v := s.raw[base]
	for _, tok := range strings.Split(frag, "/") {
		if tok == "" {
			continue
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[tok]
	}
	m, _ := v.(map[string]any)
	return m
}

// fieldNames returns the property names the schema at url declares,
// following local $refs, for suggesting a name in place of an unknown one.
func (s *schemaSet) fieldNames(url string) []string {
	base, _, _ := strings.Cut(url, "#")
	var names []string
	for range 4 {
		sch := s.schemaAt(url)
		if sch == nil {
			break
		}
		if props, ok := sch["properties"].(map[string]any); ok {
			for name := range props {
				names = append(names, name)
			}
		}
		ref, ok := sch["$ref"].(string)
		if !ok || !strings.HasPrefix(ref, "#") {
			break
		}
		url = base + ref
	}
	return names
}
