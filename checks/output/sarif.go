package output

import (
	"encoding/json"
	"io"
	"slices"
	"strings"

	"github.com/dipdev/dip/checks"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	ShortDescription *sarifText   `json:"shortDescription,omitempty"`
	Properties       sarifRuleTag `json:"properties"`
}

type sarifRuleTag struct {
	Check string `json:"check"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID     string          `json:"ruleId"`
	Level      string          `json:"level"`
	Message    sarifText       `json:"message"`
	Locations  []sarifLocation `json:"locations"`
	Properties map[string]any  `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

// SARIF prints every annotation as a SARIF 2.1.0 result of one run of
// dip, with repo-relative file URIs.
func SARIF(w io.Writer, r *checks.Report) error {
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: "dip", Rules: []sarifRule{}}}, Results: []sarifResult{}}
	seen := map[string]bool{}
	for _, c := range r.Results {
		for _, a := range c.Annotations {
			if !seen[a.Rule] {
				seen[a.Rule] = true
				rule := sarifRule{ID: a.Rule, Properties: sarifRuleTag{Check: c.Name}}
				if a.Title != "" {
					rule.ShortDescription = &sarifText{Text: a.Title}
				}
				run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, rule)
			}
			res := sarifResult{
				RuleID:  a.Rule,
				Level:   sarifLevel(a.Level),
				Message: sarifText{Text: a.Message},
				Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
					ArtifactLocation: sarifArtifact{URI: a.File},
				}}},
				Properties: map[string]any{"check": c.Name},
			}
			if a.Line > 0 {
				res.Locations[0].PhysicalLocation.Region = &sarifRegion{StartLine: a.Line, StartColumn: a.Column}
			}
			if a.Env != "" {
				res.Properties["environment"] = a.Env
			}
			if a.Source != "" {
				res.Properties["renderedFile"] = a.Source
			}
			run.Results = append(run.Results, res)
		}
	}
	slices.SortFunc(run.Tool.Driver.Rules, func(a, b sarifRule) int { return strings.Compare(a.ID, b.ID) })
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	})
}

func sarifLevel(l checks.Level) string {
	switch l {
	case checks.LevelFailure:
		return "error"
	case checks.LevelWarning:
		return "warning"
	}
	return "note"
}
