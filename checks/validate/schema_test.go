package validate_test

import (
	"encoding/json"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/dipdev/dip/checks/validate"
	"github.com/dipdev/dip/platform"
)

func readSchema(t *testing.T, name string) map[string]any {
	t.Helper()
	data, err := fs.ReadFile(validate.Schemas(), name)
	if err != nil {
		t.Fatalf("read schema: %v", err)
	}
	var sch map[string]any
	if err := json.Unmarshal(data, &sch); err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return sch
}

func TestEveryKindHasSchema(t *testing.T) {
	want := []string{"dip/v1/Platform.json", "dip/v1/Team.json"}
	for _, k := range platform.Kinds() {
		want = append(want, k.APIVersion+"/"+k.Name+".json")
	}
	var got []string
	err := fs.WalkDir(validate.Schemas(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			got = append(got, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("schemas %v, want %v", got, want)
	}
	for _, name := range want {
		sch := readSchema(t, name)
		if id := sch["$id"]; id != validate.SchemaBase+name {
			t.Errorf("%s: $id %v, want %s", name, id, validate.SchemaBase+name)
		}
	}
}

// TestSchemaDefaults checks that each kind's schema declares exactly the
// fields of its Go spec, and that the defaults it documents are the ones
// platform.Kind.Defaults fills in.
func TestSchemaDefaults(t *testing.T) {
	for _, k := range platform.Kinds() {
		t.Run(k.Name, func(t *testing.T) {
			sch := readSchema(t, k.APIVersion+"/"+k.Name+".json")
			fields := dig(sch, "$defs", "fields")
			if fields == nil {
				t.Fatal("no $defs/fields")
			}
			data, err := json.Marshal(k.Defaults())
			if err != nil {
				t.Fatal(err)
			}
			var goDefaults map[string]any
			if err := json.Unmarshal(data, &goDefaults); err != nil {
				t.Fatal(err)
			}
			compareObject(t, "spec", fields, goDefaults, reflect.TypeOf(k.Defaults()).Elem())
		})
	}
}

// compareObject compares the properties of an object schema with the
// fields of Go type typ and their defaults with goVal.
func compareObject(t *testing.T, path string, sch map[string]any, goVal map[string]any, typ reflect.Type) {
	t.Helper()
	props, _ := sch["properties"].(map[string]any)
	goFields := jsonFields(typ)
	var names []string
	for name := range props {
		names = append(names, name)
	}
	slices.Sort(names)
	if !slices.Equal(names, slices.Sorted(mapsKeys(goFields))) {
		t.Errorf("%s: schema properties %v, Go fields %v", path, names, slices.Sorted(mapsKeys(goFields)))
	}
	for _, name := range names {
		p := props[name].(map[string]any)
		ft, ok := goFields[name]
		if !ok {
			continue
		}
		gv := goVal[name]
		if def, ok := p["default"]; ok {
			if !reflect.DeepEqual(normalize(def), normalize(gv)) {
				t.Errorf("%s.%s: schema default %v, Go default %v", path, name, def, gv)
			}
		}
		if p["type"] == "object" && p["properties"] != nil {
			sub, _ := gv.(map[string]any)
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			compareObject(t, path+"."+name, p, sub, ft)
			continue
		}
		if _, ok := p["default"]; !ok && !isZero(gv) {
			t.Errorf("%s.%s: Go default %v is not in the schema", path, name, gv)
		}
	}
}

func jsonFields(typ reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Anonymous {
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out[name] = f.Type
		}
	}
	return out
}

func mapsKeys(m map[string]reflect.Type) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func normalize(v any) any {
	data, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(data, &out)
	return out
}

func isZero(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case bool:
		return !v
	case float64:
		return v == 0
	case []any:
		return len(v) == 0
	case map[string]any:
		for _, e := range v {
			if !isZero(e) {
				return false
			}
		}
		return true
	}
	return false
}

func dig(m map[string]any, path ...string) map[string]any {
	for _, p := range path {
		next, ok := m[p].(map[string]any)
		if !ok {
			return nil
		}
		m = next
	}
	return m
}
