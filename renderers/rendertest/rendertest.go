// Package rendertest runs golden tests of renderers: each txtar archive
// under testdata holds a small platform repo and the files it must render.
package rendertest

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers/source"
)

// Update rewrites golden files instead of comparing with them:
// go test ./renderers/... -update
var Update = flag.Bool("update", false, "rewrite golden files")

// WantPrefix starts the names of expected output files in an archive.
const WantPrefix = "want/"

// Repo builds a repo from the archive's platform.yaml, teams/*.yaml and
// requests/*/*.yaml. It decodes them without schema validation: golden
// inputs are valid by construction, and the renderers are what is tested.
func Repo(t testing.TB, ar *txtar.Archive) *platform.Repo {
	t.Helper()
	repo := &platform.Repo{Teams: map[string]*platform.Team{}}
	for _, f := range ar.Files {
		if strings.HasPrefix(f.Name, WantPrefix) {
			continue
		}
		doc, err := platform.ParseYAML(f.Name, f.Data)
		if err != nil {
			t.Fatalf("parse %s: %v", f.Name, err)
		}
		switch {
		case f.Name == platform.PlatformFile:
			if repo.Platform, err = platform.DecodePlatform(doc); err != nil {
				t.Fatalf("decode %s: %v", f.Name, err)
			}
		case strings.HasPrefix(f.Name, platform.TeamsDir+"/"):
			team, err := platform.DecodeTeam(doc)
			if err != nil {
				t.Fatalf("decode %s: %v", f.Name, err)
			}
			repo.Teams[team.Name] = team
		case strings.HasPrefix(f.Name, platform.RequestsDir+"/"):
			req, err := platform.DecodeRequest(doc)
			if err != nil {
				t.Fatalf("decode %s: %v", f.Name, err)
			}
			repo.Requests = append(repo.Requests, req)
		default:
			t.Fatalf("archive file %s is neither input nor %s...", f.Name, WantPrefix)
		}
	}
	if repo.Platform == nil {
		t.Fatal("archive has no platform.yaml")
	}
	slices.SortFunc(repo.Requests, func(a, b *platform.Request) int { return strings.Compare(a.File, b.File) })
	return repo
}

// Sources returns every request of repo in each of its environments.
func Sources(t testing.TB, repo *platform.Repo) []*source.Request {
	t.Helper()
	var out []*source.Request
	for _, req := range repo.Requests {
		for _, envName := range req.Environments {
			env, ok := repo.Platform.Environment(envName)
			if !ok {
				t.Fatalf("%s: unknown environment %s", req.File, envName)
			}
			spec, err := req.Spec(envName)
			if err != nil {
				t.Fatalf("%s: %v", req.File, err)
			}
			src := &source.Request{Repo: repo, Team: repo.Teams[req.Team], Request: req, Env: env, Region: env.Region, Spec: spec}
			if c, ok := spec.(interface{ CloudRegion() string }); ok && c.CloudRegion() != "" {
				src.Region = c.CloudRegion()
			}
			out = append(out, src)
		}
	}
	return out
}

// Golden runs render over every archive in dir (testdata/*.txtar) and
// compares what it returns, keyed by "<env>/<team>/<name>/<file>", with the
// archive's want/ files. With -update it rewrites the want/ files instead.
func Golden(t *testing.T, dir string, render func(*source.Request) (map[string][]byte, error)) {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden archives in %s (%v)", dir, err)
	}
	for _, p := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(p), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(p)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]byte{}
			for _, src := range Sources(t, Repo(t, ar)) {
				files, err := render(src)
				if err != nil {
					t.Fatalf("render %s for %s: %v", src.Request.File, src.Env.Name, err)
				}
				for name, data := range files {
					got[src.Env.Name+"/"+src.Team.Name+"/"+src.Request.Name+"/"+name] = data
				}
			}
			if *Update {
				write(t, p, ar, got)
				return
			}
			want := map[string][]byte{}
			for _, f := range ar.Files {
				if name, ok := strings.CutPrefix(f.Name, WantPrefix); ok {
					want[name] = f.Data
				}
			}
			if diff := cmp.Diff(stringMap(want), stringMap(got)); diff != "" {
				t.Errorf("rendered output differs from %s (-want +got); run with -update if the change is intended:\n%s", p, diff)
			}
		})
	}
}

func stringMap(m map[string][]byte) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}

func write(t *testing.T, p string, ar *txtar.Archive, got map[string][]byte) {
	t.Helper()
	files := slices.DeleteFunc(slices.Clone(ar.Files), func(f txtar.File) bool { return strings.HasPrefix(f.Name, WantPrefix) })
	names := make([]string, 0, len(got))
	for name := range got {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		files = append(files, txtar.File{Name: WantPrefix + name, Data: got[name]})
	}
	ar.Files = files
	if err := os.WriteFile(p, txtar.Format(ar), 0o644); err != nil {
		t.Fatal(err)
	}
}
