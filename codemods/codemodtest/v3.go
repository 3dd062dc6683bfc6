// Package codemodtest defines a blueprint version that exists only in
// tests, dip/v3 of Service, and the codemod that migrates dip/v2 Services
// to it, so that tests can chain codemods (dip/v1 to dip/v2 to dip/v3)
// before a real dip/v3 exists. dip/v3 renames scaling to replicas.
package codemodtest

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"sync"

	"github.com/dipdev/dip/checks/validate"
	"github.com/dipdev/dip/codemods"
	"github.com/dipdev/dip/platform"
)

// V3 is the test-only blueprint version.
const V3 = "dip/v3"

// serviceV3 is a Service as the test-only dip/v3 writes it.
type serviceV3 struct {
	Namespace string             `json:"namespace"`
	Image     string             `json:"image"`
	Ports     []platform.Port    `json:"ports"`
	Replicas  platform.Scaling   `json:"replicas"`
	Resources platform.Resources `json:"resources"`
	Probes    platform.Probes    `json:"probes"`
	Env       map[string]string  `json:"env,omitempty"`
	Uses      []platform.Use     `json:"uses,omitempty"`
	Public    bool               `json:"public"`
	Host      string             `json:"host,omitempty"`
	TLS       bool               `json:"tls"`
}

func (v *serviceV3) upgrade() (platform.Spec, error) {
	return &platform.ServiceSpec{
		Namespace: v.Namespace, Image: v.Image, Ports: v.Ports, Scaling: v.Replicas, Resources: v.Resources,
		Probes: v.Probes, Env: v.Env, Uses: v.Uses, Public: v.Public, Host: v.Host, TLS: v.TLS,
	}, nil
}

// ServiceV2ToV3 renames scaling to replicas.
var ServiceV2ToV3 = &codemods.Codemod{
	Name: platform.CodemodName("Service", platform.V2, V3),
	Kind: "Service", From: platform.V2, To: V3,
	Summary: "scaling becomes replicas",
	Spec:    func(m *codemods.Mapping) error { return m.Rename("scaling", "replicas", nil) },
}

var (
	once     sync.Once
	registry *codemods.Registry
	err      error
)

// Register adds dip/v3 of Service to the blueprints and the schemas, once
// per process, and returns the built-in codemods with ServiceV2ToV3. From
// then on dip/v2 Services are deprecated in that process: call it only
// from the tests of a package that expect that.
func Register() (*codemods.Registry, error) {
	once.Do(func() { registry, err = register() })
	return registry, err
}

func register() (*codemods.Registry, error) {
	k := platform.NewKind(V3, "Service", false, func() *serviceV3 {
		return &serviceV3{Ports: []platform.Port{platform.DefaultPort}, Replicas: platform.Scaling{Min: 2},
			Resources: platform.DefaultResources(), Probes: platform.Probes{Liveness: "/healthz", Readiness: "/readyz"}, TLS: true}
	}, (*serviceV3).upgrade, platform.Rename{From: "spec.scaling", To: "spec.replicas"})
	if err := platform.RegisterKind(k); err != nil {
		return nil, err
	}
	schema, err := schemaV3()
	if err != nil {
		return nil, err
	}
	if err := validate.RegisterSchema(V3+"/Service.json", schema); err != nil {
		return nil, err
	}
	return codemods.NewRegistry(append(codemods.Default().Codemods(), ServiceV2ToV3)...)
}

// schemaV3 is the dip/v2 Service schema with scaling renamed replicas.
func schemaV3() ([]byte, error) {
	data, err := fs.ReadFile(validate.Schemas(), platform.V2+"/Service.json")
	if err != nil {
		return nil, err
	}
	var s map[string]any
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, err
	}
	s["$id"] = validate.SchemaBase + V3 + "/Service.json"
	s["title"] = "Service (" + V3 + ", tests only)"
	props := s["properties"].(map[string]any)
	props["apiVersion"].(map[string]any)["const"] = V3
	fields := s["$defs"].(map[string]any)["fields"].(map[string]any)["properties"].(map[string]any)
	scaling, ok := fields["scaling"]
	if !ok {
		return nil, fmt.Errorf("the dip/v2 Service schema has no scaling")
	}
	fields["replicas"] = scaling
	delete(fields, "scaling")
	return json.Marshal(s)
}
