package codemods

import (
	"fmt"

	"github.com/dipdev/dip/platform"
)

var builtin = []*Codemod{postgresV1ToV2, serviceV1ToV2}

// postgresV1ToV2: size becomes the instance class it rendered, storageGB
// moves to storage.sizeGB.
var postgresV1ToV2 = &Codemod{
	Name: platform.CodemodName("PostgresDatabase", platform.V1, platform.V2),
	Kind: "PostgresDatabase", From: platform.V1, To: platform.V2,
	Summary: "size becomes instanceClass (small: db.t4g.small, medium: db.m6g.large, large: db.r6g.xlarge); storageGB becomes storage.sizeGB",
	Spec: func(m *Mapping) error {
		if err := wantInteger(m, "storageGB"); err != nil {
			return err
		}
		err := m.Rename("size", "instanceClass", func(v any) (any, error) {
			size, _ := v.(string)
			class, ok := platform.InstanceClassOfSize(size)
			if !ok {
				return nil, fmt.Errorf("size %s is none of small, medium and large", describe(v))
			}
			return class, nil
		})
		if err != nil {
			return err
		}
		return m.Nest("storage", Move{"storageGB", "sizeGB"})
	},
}

// serviceV1ToV2: port becomes the one port of ports, named http;
// replicas and maxReplicas become scaling.min and scaling.max.
var serviceV1ToV2 = &Codemod{
	Name: platform.CodemodName("Service", platform.V1, platform.V2),
	Kind: "Service", From: platform.V1, To: platform.V2,
	Summary: "port becomes ports: [{name: http, port}]; replicas and maxReplicas become scaling.min and scaling.max",
	Spec: func(m *Mapping) error {
		for _, key := range []string{"port", "replicas", "maxReplicas"} {
			if err := wantInteger(m, key); err != nil {
				return err
			}
		}
		if err := m.Listed("port", "ports", []Field{{"name", platform.DefaultPort.Name}}, "port"); err != nil {
			return err
		}
		return m.Nest("scaling", Move{"replicas", "min"}, Move{"maxReplicas", "max"})
	},
}

// wantInteger fails unless key, when the mapping has it, holds an
// integer: a value of another type is the author's to fix first.
func wantInteger(m *Mapping, key string) error {
	v, ok := m.Value(key)
	if _, isInt := v.(int64); ok && !isInt {
		return m.Errorf(key, "must be an integer (got %s)", describe(v))
	}
	return nil
}

func describe(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("%q", v)
	case nil:
		return "null"
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	}
	return fmt.Sprint(v)
}
