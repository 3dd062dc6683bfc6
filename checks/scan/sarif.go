package scan

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/dipdev/dip/checks"
)

// sarifLog is the part of a SARIF 2.1.0 log that dip reads.
type sarifLog struct {
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool struct {
		Driver struct {
			Name  string      `json:"name"`
			Rules []sarifRule `json:"rules"`
		} `json:"driver"`
	} `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	ShortDescription sarifMessage `json:"shortDescription"`
	// DefaultConfiguration.Level is the level of results that give none.
	DefaultConfiguration struct {
		Level string `json:"level"`
	} `json:"defaultConfiguration"`
}

type sarifMessage struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex *int            `json:"ruleIndex"`
	Kind      string          `json:"kind"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation struct {
		ArtifactLocation struct {
			URI string `json:"uri"`
		} `json:"artifactLocation"`
		Region struct {
			StartLine int `json:"startLine"`
		} `json:"region"`
	} `json:"physicalLocation"`
}

var errEmptyOutput = errors.New("output is empty")

func parseSARIF(data []byte) (*sarifLog, error) {
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, errEmptyOutput
	}
	var log sarifLog
	if err := json.Unmarshal(data, &log); err != nil {
		return nil, fmt.Errorf("output is not SARIF: %w", err)
	}
	if log.Version != "2.1.0" {
		return nil, fmt.Errorf("output is not SARIF 2.1.0: version %q", log.Version)
	}
	if log.Runs == nil {
		return nil, errors.New("output is not SARIF: no runs")
	}
	return &log, nil
}

// rule returns the rule a result refers to, by index or by id.
func (r *sarifRun) rule(res sarifResult) sarifRule {
	rules := r.Tool.Driver.Rules
	if i := res.RuleIndex; i != nil && *i >= 0 && *i < len(rules) {
		return rules[*i]
	}
	for _, rule := range rules {
		if rule.ID == res.RuleID && rule.ID != "" {
			return rule
		}
	}
	return sarifRule{ID: res.RuleID}
}

// finding reports whether a result is a problem: SARIF results of kind
// pass, notApplicable or informational are not.
func (res sarifResult) finding() bool {
	switch res.Kind {
	case "", "fail", "open", "review":
		return true
	}
	return false
}

// level maps a SARIF level to an annotation level. A result without one
// takes its rule's default, and SARIF's default is warning.
func level(result, ruleDefault string) checks.Level {
	if result == "" {
		result = ruleDefault
	}
	switch result {
	case "error":
		return checks.LevelFailure
	case "warning", "":
		return checks.LevelWarning
	default: // note, none
		return checks.LevelNotice
	}
}

// relPath turns a SARIF artifact URI into a slash path relative to the
// scanned directory, whose absolute forms are bases (the directory as given
// and with symbolic links resolved). It returns "" for a URI that points
// outside it or is not a file.
func relPath(bases []string, uri string) string {
	if uri == "" {
		return ""
	}
	u, err := url.Parse(uri)
	switch {
	case err != nil:
		// Not a URI reference; take it as a plain path.
	case u.Scheme == "file":
		uri = u.Path
	case u.Scheme == "" && u.Opaque == "":
		uri = u.Path
	default:
		return ""
	}
	p := filepath.FromSlash(uri)
	if filepath.IsAbs(p) {
		for _, base := range bases {
			if rel, err := filepath.Rel(base, p); err == nil && filepath.IsLocal(rel) {
				return filepath.ToSlash(rel)
			}
		}
		return ""
	}
	p = filepath.Clean(p)
	if !filepath.IsLocal(p) {
		return ""
	}
	return filepath.ToSlash(p)
}
