package output

import (
	"encoding/json"
	"io"

	"github.com/dipdev/dip/checks"
)

// JSON prints the report as one JSON object: {"checks": [...], "failed": bool}.
func JSON(w io.Writer, r *checks.Report) error {
	out := struct {
		Checks []checks.Result `json:"checks"`
		Failed bool            `json:"failed"`
	}{Checks: r.Results, Failed: r.Failed()}
	for i := range out.Checks {
		if out.Checks[i].Annotations == nil {
			out.Checks[i].Annotations = []checks.Annotation{}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
