package validate_test

import (
	"fmt"
	"testing"

	"github.com/dipdev/dip/checks/validate"
	"github.com/dipdev/dip/platform"
)

// syntheticSource is a valid repo of n requests of several kinds spread
// over ten teams, each on its kind's newest version, parsed in memory.
func syntheticSource(b *testing.B, n int) *platform.Source {
	src := &platform.Source{Platform: mustParse(b, platform.PlatformFile, platformYAML)}
	for t := range 10 {
		name := fmt.Sprintf("team-%d", t)
		src.Teams = append(src.Teams, mustParse(b, "teams/"+name+".yaml", teamYAML(name)))
	}
	for i := range n {
		team, name := fmt.Sprintf("team-%d", i%10), fmt.Sprintf("req-%05d", i)
		version, body := "dip/v1", ""
		switch i % 4 {
		case 0:
			version = "dip/v2"
			body = "kind: PostgresDatabase\nmetadata: {name: %s, team: %s}\nspec:\n  environments: [staging, production]\n  instanceClass: db.t4g.small\n  overrides: {production: {instanceClass: db.r6g.xlarge, storage: {sizeGB: 100}}}\n"
		case 1:
			body = "kind: Queue\nmetadata: {name: %s, team: %s}\nspec:\n  environments: [staging, production]\n  fifo: true\n"
		case 2:
			version = "dip/v2"
			body = "kind: Service\nmetadata: {name: %s, team: %s}\nspec:\n  environments: [staging, production]\n  namespace: apps\n  image: ghcr.io/acme/app:1.0.0\n  resources: {cpu: 500m}\n  env: {LOG_LEVEL: info}\n  uses: [{kind: Queue, name: req-00001}]\n  overrides: {production: {scaling: {min: 4}}}\n"
		case 3:
			body = "kind: Namespace\nmetadata: {name: %s, team: %s}\nspec:\n  environments: [staging, production]\n  quota: {cpu: \"4\", memory: 8Gi, pods: 20}\n"
		}
		data := "apiVersion: " + version + "\n" + fmt.Sprintf(body, name, team)
		src.Requests = append(src.Requests, mustParse(b, "requests/"+team+"/"+name+".yaml", data))
	}
	return src
}

func BenchmarkRepo(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			src := syntheticSource(b, n)
			if repo, diags := validate.Repo(src); len(diags) > 0 || len(repo.Requests) != n {
				b.Fatalf("synthetic repo is invalid: %s", diagList(diags))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				validate.Repo(src)
			}
		})
	}
}
