package scan

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// sarifLog is the part of SARIF 2.1.0 dip reads.
type sarifLog struct {
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID               string `json:"id"`
					ShortDescription struct {
						Text string `json:"text"`
					} `json:"shortDescription"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []sarifResult `json:"results"`
	} `json:"runs"`
}

type sarifResult struct {
	RuleID  string `json:"ruleId"`
	Level   string `json:"level"`
	Message struct {
		Text string `json:"text"`
	} `json:"message"`
	Locations []struct {
		PhysicalLocation struct {
			ArtifactLocation struct {
				URI string `json:"uri"`
			} `json:"artifactLocation"`
			Region struct {
				StartLine int `json:"startLine"`
			} `json:"region"`
		} `json:"physicalLocation"`
	} `json:"locations"`
}

func parseSARIF(data []byte) (*sarifLog, error) {
	var log sarifLog
	if err := json.Unmarshal(data, &log); err != nil {
		return nil, fmt.Errorf("output is not SARIF: %w", err)
	}
	if log.Version == "" || log.Runs == nil {
		return nil, fmt.Errorf("output is not SARIF: no version or runs")
	}
	return &log, nil
}

// relPath turns a SARIF artifact URI into a path relative to dir, or ""
// when it points elsewhere.
func relPath(dir, uri string) string {
	if u, err := url.Parse(uri); err == nil && u.Scheme == "file" {
		uri = u.Path
	}
	if filepath.IsAbs(uri) {
		rel, err := filepath.Rel(dir, uri)
		if err != nil || !filepath.IsLocal(rel) {
			return ""
		}
		uri = rel
	}
	uri = filepath.ToSlash(filepath.Clean(strings.TrimPrefix(uri, "./")))
	if !filepath.IsLocal(uri) {
		return ""
	}
	return uri
}
