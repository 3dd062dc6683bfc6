// Package scan is the dip/scan check: secrets in requests, found with
// gitleaks, and external scanners that read the rendered output and write
// SARIF.
package scan

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/zricethezav/gitleaks/v8/detect"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/platform"
)

// File is a file to scan, with its repo-relative path.
type File struct {
	Path string
	Data []byte
}

// Secrets finds secrets with gitleaks' default rules. A line that ends in
// a `# gitleaks:allow` comment is not reported.
type Secrets struct {
	det *detect.Detector
}

// gitleaks builds its configuration through global state; build it once.
var (
	detectorOnce sync.Once
	detector     *detect.Detector
	detectorErr  error
)

// NewSecrets returns the secret scanner. The rules are compiled once per
// process.
func NewSecrets() (*Secrets, error) {
	detectorOnce.Do(func() {
		detector, detectorErr = detect.NewDetectorDefaultConfig()
		if detectorErr == nil {
			detector.Redact = 100
		}
	})
	if detectorErr != nil {
		return nil, fmt.Errorf("load secret rules: %w", detectorErr)
	}
	return &Secrets{det: detector}, nil
}

// Scan returns a failure annotation at the line and column of every
// secret in files. Messages never repeat the secret.
func (s *Secrets) Scan(files []File) []checks.Annotation {
	found := make([][]checks.Annotation, len(files))
	work := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range work {
				found[i] = s.scanFile(files[i])
			}
		})
	}
	for i := range files {
		work <- i
	}
	close(work)
	wg.Wait()
	var out []checks.Annotation
	for _, f := range found {
		out = append(out, f...)
	}
	return checks.SortAnnotations(out)
}

func (s *Secrets) scanFile(f File) []checks.Annotation {
	var out []checks.Annotation
	for _, finding := range s.det.Detect(detect.Fragment{Raw: string(f.Data), FilePath: f.Path}) {
		out = append(out, checks.Annotation{
			Pos:   platform.Pos{File: f.Path, Line: finding.StartLine + 1, Column: finding.StartColumn},
			Level: checks.LevelFailure,
			Rule:  "secrets." + finding.RuleID,
			Title: "Secret in a request",
			Message: fmt.Sprintf("this looks like a secret (%s). Secrets never go in the platform repo: "+
				"rotate it now, keep the value in the secret store, and ask for it with a Secret request. "+
				"If this is not a secret, end the line with `# gitleaks:allow`.", finding.Description),
		})
	}
	return out
}
