package pipeline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"reflect"
	"slices"

	"github.com/dipdev/dip/checks/policy"
	"github.com/dipdev/dip/platform"
)

// compiled keeps the policy sets compiled lately: dip serve checks one
// pull request after another against the same base's policies.
var compiled policy.Cache

// BundleDirs are the directories of the policy bundle that hold policies.
var BundleDirs = []string{"terraform", "kubernetes", "requests"}

// Policies is a compiled policy set: the bundle and a platform repo's own
// policies/.
type Policies struct {
	Engine *policy.Engine
	// BundleVersion is metadata/version.json's version.
	BundleVersion string
	// Repo and RepoData are the platform's own policies and data, to tell
	// whether a change touched them.
	Repo     []policy.Module
	RepoData map[string]any
}

// LoadPolicies compiles the bundle with the policies and data documents
// under policies/ of repo. Settings of plat are given to policies as
// data.dip.platform. Test files of the bundle are left out.
func LoadPolicies(bundle, repo fs.FS, plat *platform.Platform) (*Policies, error) {
	p := &Policies{}
	var modules []policy.Module
	for _, dir := range BundleDirs {
		mods, _, err := policy.LoadFS(bundle, dir)
		if err != nil {
			return nil, fmt.Errorf("policy bundle: %w", err)
		}
		for _, m := range mods {
			if !isRegoTest(m.Path) {
				m.Path = "policy-bundle/" + m.Path
				modules = append(modules, m)
			}
		}
	}
	version, err := bundleVersion(bundle)
	if err != nil {
		return nil, err
	}
	p.BundleVersion = version
	repoMods, data, err := policy.LoadFS(repo, platform.PoliciesDir)
	if err != nil {
		return nil, err
	}
	if data == nil {
		data = map[string]any{}
	}
	p.Repo, p.RepoData = repoMods, data
	if plat != nil {
		dip, _ := data["dip"].(map[string]any)
		if dip == nil {
			dip = map[string]any{}
			data["dip"] = dip
		}
		if _, set := dip["platform"]; !set {
			dip["platform"] = platformData(plat)
		}
	}
	p.Engine, err = compiled.Compile(append(modules, repoMods...), data)
	if err != nil {
		return nil, err
	}
	return p, nil
}

func isRegoTest(p string) bool { return len(p) > 10 && p[len(p)-10:] == "_test.rego" }

// BundleVersion is the version of a policy bundle, from its
// metadata/version.json.
func BundleVersion(bundle fs.FS) (string, error) { return bundleVersion(bundle) }

func bundleVersion(bundle fs.FS) (string, error) {
	raw, err := fs.ReadFile(bundle, "metadata/version.json")
	if err != nil {
		return "", fmt.Errorf("policy bundle: %w", err)
	}
	var v struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(raw, &v); err != nil || v.Version == "" {
		return "", fmt.Errorf("policy bundle: metadata/version.json has no version (%v)", err)
	}
	return v.Version, nil
}

// platformData is what policies see of platform.yaml.
func platformData(p *platform.Platform) map[string]any {
	envs := make([]any, len(p.Environments))
	for i, e := range p.Environments {
		envs[i] = map[string]any{"name": e.Name, "region": e.Region}
	}
	regions := make([]any, len(p.AllowedRegions))
	for i, r := range p.AllowedRegions {
		regions[i] = r
	}
	return map[string]any{
		"name":           p.Name,
		"cloud":          p.Cloud,
		"environments":   envs,
		"allowedRegions": regions,
	}
}

// SameRepoPolicies reports whether p and q have the same platform policy
// files and data.
func (p *Policies) SameRepoPolicies(q *Policies) bool {
	return slices.EqualFunc(p.Repo, q.Repo, func(x, y policy.Module) bool {
		return x.Path == y.Path && bytes.Equal(x.Source, y.Source)
	}) && reflect.DeepEqual(p.RepoData, q.RepoData)
}
