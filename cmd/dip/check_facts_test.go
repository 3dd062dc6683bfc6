package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckBaseKeepsFacts runs `dip check --base` cold, warm, and with a
// corrupted cache, on a platform repo at the root of its git repository
// and on one in a subdirectory: the report is the same every time.
func TestCheckBaseKeepsFacts(t *testing.T) {
	for _, sub := range []string{"", "platform"} {
		t.Run("sub="+sub, func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "git")
			dir := filepath.Join(root, sub)
			if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(template(t), dir); err != nil {
				t.Fatal(err)
			}
			gitIn(t, root, "init", "-q", "-b", "main")
			gitIn(t, root, "add", "-A")
			gitIn(t, root, "commit", "-q", "-m", "start")
			api := filepath.Join(dir, "requests/payments/orders-api.yaml")
			data, err := os.ReadFile(api)
			if err != nil || !strings.Contains(string(data), "LOG_LEVEL: info") {
				t.Fatalf("orders-api.yaml: %v\n%s", err, data)
			}
			write(t, dir, "requests/payments/orders-api.yaml", strings.Replace(string(data), "LOG_LEVEL: info", "LOG_LEVEL: debug", 1))
			write(t, dir, "requests/catalog/new-queue.yaml", "apiVersion: dip/v1\nkind: Queue\nmetadata: {name: new-queue, team: catalog}\nspec: {environments: [staging]}\n")

			facts := filepath.Join(root, ".git", "dip", "facts")
			var first string
			for _, when := range []string{"cold", "warm", "corrupted"} {
				if when == "corrupted" {
					if err := os.WriteFile(facts, []byte("dip facts\nnot this\n"), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				code, out, errOut := dip(t, "check", "--repo", dir, "--base", "main", "--format", "json")
				if code > 1 || errOut != "" {
					t.Fatalf("%s: exit %d\n%s%s", when, code, out, errOut)
				}
				if first == "" {
					first = out
				} else if out != first {
					t.Errorf("%s: report differs from the first:\n%s\nfirst:\n%s", when, out, first)
				}
				if _, err := os.Stat(facts); err != nil {
					t.Errorf("%s: no cache: %v", when, err)
				}
			}
			if !strings.Contains(first, "2 requests valid") {
				t.Errorf("the report does not judge the change:\n%s", first)
			}
		})
	}
}
