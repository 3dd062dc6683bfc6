package renderers_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/dipdev/dip/checks/validate"
	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers"
	"github.com/dipdev/dip/renderers/rendertest"
)

// versionFile records renderers.Version and a digest of every golden
// output made with it.
const versionFile = "testdata/version.json"

type recordedVersion struct {
	Version string            `json:"version"`
	Outputs map[string]string `json:"outputs"`
}

// TestVersion holds renderers.Version to what the renderers write: when a
// golden output (or the rendered platform-repo-template) changes, the
// version must change too, or dip audit --verify would call trees of the
// old renderers tampered with. New goldens are recorded with -update; a
// changed one only once the version is bumped.
func TestVersion(t *testing.T) {
	now := outputDigests(t)
	var rec recordedVersion
	data, err := os.ReadFile(versionFile)
	if err != nil && !*rendertest.Update {
		t.Fatalf("%v; run go test ./renderers -run TestVersion -update", err)
	}
	if err == nil {
		if err := json.Unmarshal(data, &rec); err != nil {
			t.Fatalf("%s: %v", versionFile, err)
		}
	}
	var changed, added []string
	for _, name := range slices.Sorted(maps.Keys(now)) {
		old, ok := rec.Outputs[name]
		switch {
		case !ok:
			added = append(added, name)
		case old != now[name]:
			changed = append(changed, name)
		}
	}
	if len(changed) > 0 && rec.Version == renderers.Version {
		t.Fatalf("rendered output changed (%s) but renderers.Version is still %q: bump it, then run with -update",
			strings.Join(changed, ", "), renderers.Version)
	}
	stale := rec.Version != renderers.Version || len(added) > 0 || len(now) != len(rec.Outputs)
	if !stale {
		return
	}
	if !*rendertest.Update {
		t.Fatalf("%s is out of date (version %q, new outputs %v): run go test ./renderers -run TestVersion -update", versionFile, rec.Version, added)
	}
	out, err := json.MarshalIndent(recordedVersion{Version: renderers.Version, Outputs: now}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(versionFile, append(out, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// outputDigests hashes the expected outputs of every golden archive of the
// renderers and what the platform repo template renders to.
func outputDigests(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	archives, err := filepath.Glob("*/testdata/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range archives {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		for _, f := range ar.Files {
			if strings.HasPrefix(f.Name, rendertest.WantPrefix) {
				h.Write([]byte(f.Name + "\x00"))
				h.Write(f.Data)
				h.Write([]byte{0})
			}
		}
		out[filepath.ToSlash(p)] = hex.EncodeToString(h.Sum(nil))
	}
	src, err := platform.Load(os.DirFS("../platform-repo-template"))
	if err != nil {
		t.Fatal(err)
	}
	repo, diags := validate.Repo(src)
	if len(diags) > 0 {
		t.Fatalf("template does not validate: %v", diags)
	}
	files, diags := renderers.Render(repo)
	if len(diags) > 0 {
		t.Fatalf("template does not render: %v", diags)
	}
	h := sha256.New()
	for _, f := range files {
		h.Write([]byte(f.Path + "\x00"))
		h.Write(f.Data)
		h.Write([]byte{0})
	}
	out["platform-repo-template"] = hex.EncodeToString(h.Sum(nil))
	return out
}
