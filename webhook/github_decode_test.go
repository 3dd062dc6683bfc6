package webhook

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-github/v92/github"

	"github.com/dipdev/dip/vcs"
)

// TestSlimPullRequestEvent translates every pull_request fixture, and
// payloads with parts null or missing, decoded both through the slim type
// and into go-github's whole type: dip's events must be the same.
func TestSlimPullRequestEvent(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "github", "pull_request_*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("fixtures: %v, %d", err, len(paths))
	}
	bodies := map[string]string{
		"null pull request": `{"action":"opened","pull_request":null,"installation":{"id":1}}`,
		"no head repo":      `{"action":"opened","pull_request":{"number":1,"head":{"sha":"x","repo":null},"base":{}}}`,
		"edited no base":    `{"action":"edited","changes":{"title":{"from":"x"}},"pull_request":{"number":1}}`,
		"edited base":       `{"action":"edited","changes":{"base":{"ref":{"from":"dev"}}},"pull_request":{"number":1}}`,
		"empty":             `{}`,
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		bodies[strings.TrimSuffix(filepath.Base(p), ".json")] = string(b)
	}
	h := NewGitHub([]byte("s"), nopEnqueuer{})
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			whole, err := github.ParseWebHook("pull_request", []byte(body))
			if err != nil {
				t.Fatal(err)
			}
			slim, err := parsePayload("pull_request", []byte(body))
			if err != nil {
				t.Fatal(err)
			}
			wantEv, wantAct, wantErr := h.translate("pull_request", whole)
			ev, act, err := h.translate("pull_request", slim)
			if !reflect.DeepEqual(ev, wantEv) || act != wantAct || (err == nil) != (wantErr == nil) {
				t.Errorf("slim: %+v, %v, %v\nwhole: %+v, %v, %v", ev, act, err, wantEv, wantAct, wantErr)
			}
		})
	}
}

type nopEnqueuer struct{}

func (nopEnqueuer) Enqueue(context.Context, vcs.Event) (bool, error) { return true, nil }
