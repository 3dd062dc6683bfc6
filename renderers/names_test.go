package renderers_test

import (
	"os"
	"strings"
	"testing"

	"github.com/dipdev/dip/checks/validate"
	"github.com/dipdev/dip/internal/bench"
	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers"
)

// TestClaimsAreRendered holds Claims to the renderers: every name a
// request claims is in what it renders for that environment, for every
// request of a generated repo of every kind.
func TestClaimsAreRendered(t *testing.T) {
	dir := t.TempDir()
	if err := bench.Generate(dir, 60); err != nil {
		t.Fatal(err)
	}
	src, err := platform.Load(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	repo, diags := validate.Repo(src)
	if len(diags) > 0 || repo == nil {
		t.Fatalf("generated repo does not validate: %v", diags)
	}
	kinds := map[string]int{}
	for _, req := range repo.Requests {
		files, err := renderers.Request(repo, req)
		if err != nil {
			t.Fatal(err)
		}
		for _, env := range req.Environments {
			spec, err := req.Spec(env)
			if err != nil {
				t.Fatal(err)
			}
			var rendered strings.Builder
			for _, f := range files {
				if f.Env == env {
					rendered.Write(f.Data)
				}
			}
			for _, c := range renderers.Claims(repo.Platform.Name, req.Team, req, env, spec) {
				kinds[req.Kind]++
				name := c.Name
				if _, after, ok := strings.Cut(name, "/"); ok && strings.HasPrefix(c.Space, "kubernetes-secret") {
					name = after // namespace/name: the name is in the rendered object
				}
				if strings.HasPrefix(c.Space, "route53-record") {
					name = strings.Fields(name)[1] // the record's type
				}
				if !strings.Contains(rendered.String(), `"`+name+`"`) && !strings.Contains(rendered.String(), " "+name+"\n") {
					t.Errorf("%s in %s claims %s %q, which it does not render", req.File, env, c.What, name)
				}
			}
		}
	}
	for _, k := range []string{"PostgresDatabase", "Queue", "Bucket", "Secret", "IAMRole", "Service", "Certificate", "DNSRecord"} {
		if kinds[k] == 0 {
			t.Errorf("no %s claims a name", k)
		}
	}
}
