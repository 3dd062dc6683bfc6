package scan

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/viper"
	"github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect"
	"github.com/zricethezav/gitleaks/v8/report"
	"go.yaml.in/yaml/v3"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/internal/parallel"
	"github.com/dipdev/dip/platform"
)

// File is a request file to scan, as written, with its slash-separated path
// relative to the repo root.
type File struct {
	Path string
	Data []byte
}

// Secrets finds secrets in request files with gitleaks' default rules. It
// is safe for concurrent use.
type Secrets struct {
	det *detect.Detector
}

// decodeDepth is how many rounds of decoding (base64, hex, percent) gitleaks
// applies to find encoded secrets; the gitleaks command's default.
const decodeDepth = 5

// loadDetector compiles gitleaks' default rules, which takes a while, once
// per process. A detector only reads its rules and prefilter while
// scanning, so one is shared by every caller.
var loadDetector = sync.OnceValues(func() (*detect.Detector, error) {
	// A viper of our own: gitleaks' NewDetectorDefaultConfig configures
	// viper's process-wide instance.
	v := viper.New()
	v.SetConfigType("toml")
	if err := v.ReadConfig(strings.NewReader(config.DefaultConfig)); err != nil {
		return nil, fmt.Errorf("read gitleaks rules: %w", err)
	}
	var vc config.ViperConfig
	if err := v.Unmarshal(&vc); err != nil {
		return nil, fmt.Errorf("decode gitleaks rules: %w", err)
	}
	cfg, err := vc.Translate()
	if err != nil {
		return nil, fmt.Errorf("compile gitleaks rules: %w", err)
	}
	det := detect.NewDetector(cfg)
	det.MaxDecodeDepth = decodeDepth
	return det, nil
})

// NewSecrets returns the secret scanner. The rules are compiled on the
// first call only; later calls are cheap.
func NewSecrets() (*Secrets, error) {
	det, err := loadDetector()
	if err != nil {
		return nil, fmt.Errorf("load secret rules: %w", err)
	}
	return &Secrets{det: det}, nil
}

// Scan returns a failure annotation at the line and column where each
// secret in files starts, sorted. Its rule is "secrets.<gitleaks rule id>"
// and its message names the kind of secret and the field holding it, never
// the secret itself. A finding on a line containing `# gitleaks:allow` is
// not reported.
func (s *Secrets) Scan(files []File) []checks.Annotation {
	found := make([][]checks.Annotation, len(files))
	parallel.For(len(files), func(i int) { found[i] = s.scanFile(files[i]) })
	return checks.SortAnnotations(slices.Concat(found...))
}

func (s *Secrets) scanFile(f File) []checks.Annotation {
	text := string(f.Data)
	findings := s.det.Detect(detect.Fragment{Raw: text, FilePath: f.Path})
	if len(findings) == 0 {
		return nil
	}
	var root yaml.Node
	if yaml.Unmarshal(f.Data, &root) != nil {
		root = yaml.Node{}
	}
	idx := newLineIndex(text)
	out := make([]checks.Annotation, 0, len(findings))
	for _, fd := range findings {
		line, col := idx.position(secretOffset(text, idx, fd))
		field := fieldAt(&root, line, col)
		if field != "" && leaks(field, fd) {
			field = ""
		}
		out = append(out, checks.Annotation{
			Pos:     platform.Pos{File: f.Path, Line: line, Column: col},
			Level:   checks.LevelFailure,
			Rule:    "secrets." + fd.RuleID,
			Title:   "Secret in a request (" + fd.RuleID + ")",
			Message: secretMessage(fd, field),
		})
	}
	return out
}

func secretMessage(fd report.Finding, field string) string {
	where := "This line"
	if field != "" {
		where = "`" + field + "`"
	}
	what := "a secret"
	if i := slices.IndexFunc(fd.Tags, func(t string) bool { return strings.HasPrefix(t, "decoded:") }); i >= 0 {
		what = "an encoded secret (" + strings.TrimPrefix(fd.Tags[i], "decoded:") + ")"
	}
	return fmt.Sprintf("%s holds what looks like %s, found by gitleaks rule %s: %s "+
		"Secret values never go in the platform repo. Remove it and rotate it, since the branch's history keeps it; "+
		"then put the value in the secret store and ask for it with a Secret request. "+
		"If it is not a secret, end the line with `# gitleaks:allow`.",
		where, what, fd.RuleID, strings.TrimSpace(fd.Description))
}

// leaks reports whether s repeats the finding's secret, as a field name
// does when the secret is a mapping key.
func leaks(s string, fd report.Finding) bool {
	for _, v := range []string{fd.Secret, fd.Match} {
		if v = strings.TrimSpace(v); v != "" && strings.Contains(s, v) {
			return true
		}
	}
	return false
}
