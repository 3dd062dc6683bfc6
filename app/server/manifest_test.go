package server_test

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The App manifest asks for exactly what dip uses: check runs (checks),
// cloning and pushing the output branch and the migration branches
// (contents), listing pull requests and reviews and opening migration pull
// requests (pull requests), the migrations tracking issue (issues), and
// metadata; and the events the webhook
// acts on. installation and installation_repositories reach every App
// without subscribing; merge_group needs the merge queues permission,
// which the README explains how to add.
func TestAppManifest(t *testing.T) {
	raw, err := os.ReadFile("../../github-app-manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Name        string            `json:"name"`
		Permissions map[string]string `json:"default_permissions"`
		Events      []string          `json:"default_events"`
		Hook        struct {
			URL string `json:"url"`
		} `json:"hook_attributes"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("github-app-manifest.json: %v", err)
	}
	want := map[string]string{"checks": "write", "contents": "write", "issues": "write", "pull_requests": "write", "metadata": "read"}
	if diff := cmp.Diff(want, m.Permissions); diff != "" {
		t.Errorf("permissions (-want +got):\n%s", diff)
	}
	slices.Sort(m.Events)
	if diff := cmp.Diff([]string{"check_run", "check_suite", "pull_request", "push"}, m.Events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if m.Name == "" || m.Hook.URL == "" {
		t.Error("manifest lacks a name or a webhook URL")
	}
}
