package webhook

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Example is one of GitHub's published example payloads: an event name
// and the body, as the package holds it.
type Example struct {
	// Name says where it comes from: the package's directory (the host:
	// api.github.com, ghes-34, …), the event, its action and its index.
	Name   string
	Event  string
	Action string
	Body   []byte
}

var examples struct {
	once sync.Once
	all  []Example
	err  error
}

// octokitExamples reads every example of @octokit/webhooks-examples from
// the tarball under testdata/octokit (see scripts/refresh-webhook-examples.sh).
func octokitExamples(t testing.TB) []Example {
	t.Helper()
	examples.once.Do(func() { examples.all, examples.err = readExamples() })
	if examples.err != nil {
		t.Fatalf("octokit examples: %v", examples.err)
	}
	return examples.all
}

func readExamples() ([]Example, error) {
	tarballs, err := filepath.Glob(filepath.Join("testdata", "octokit", "octokit-webhooks-examples-*.tgz"))
	if err != nil || len(tarballs) != 1 {
		return nil, fmt.Errorf("want one tarball under testdata/octokit, found %d (%v)", len(tarballs), err)
	}
	f, err := os.Open(tarballs[0])
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	var out []Example
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if path.Base(h.Name) != "index.json" {
			continue
		}
		host := path.Base(path.Dir(h.Name))
		var index []struct {
			Name     string            `json:"name"`
			Examples []json.RawMessage `json:"examples"`
		}
		if err := json.NewDecoder(tr).Decode(&index); err != nil {
			return nil, fmt.Errorf("%s: %w", h.Name, err)
		}
		for _, ev := range index {
			for i, body := range ev.Examples {
				var head struct {
					Action string `json:"action"`
				}
				if err := json.Unmarshal(body, &head); err != nil {
					return nil, fmt.Errorf("%s: %s example %d: %w", h.Name, ev.Name, i, err)
				}
				name := strings.Join([]string{host, ev.Name, head.Action, fmt.Sprint(i)}, "/")
				out = append(out, Example{Name: name, Event: ev.Name, Action: head.Action, Body: slices.Clone([]byte(body))})
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no examples", tarballs[0])
	}
	return out, nil
}
