package validate_test

import (
	"testing"

	"github.com/dipdev/dip/platform"
)

func TestValidRepo(t *testing.T) {
	repo, diags := validateFS(t, repoFS(nil))
	for _, d := range diags {
		t.Errorf("unexpected diagnostic: %s [%s]", d, d.Rule)
	}
	if repo == nil {
		t.Fatal("repo is nil")
	}
	if got, want := len(repo.Requests), len(validRequests); got != want {
		t.Errorf("got %d requests, want %d", got, want)
	}
	kinds := map[string]bool{}
	for _, r := range repo.Requests {
		kinds[r.Kind] = true
	}
	for _, k := range platform.Kinds() {
		if !kinds[k.Name] {
			t.Errorf("no valid request of kind %s", k.Name)
		}
	}
	if len(repo.Teams) != 2 || repo.Platform == nil || repo.Platform.Name != "acme" {
		t.Errorf("got teams %v, platform %+v", repo.Teams, repo.Platform)
	}
}
