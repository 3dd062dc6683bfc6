package audit_test

import (
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dipdev/dip/app/audit"
)

func oddLog() *audit.Log {
	return &audit.Log{Branch: "rendered", Tip: src, Records: []audit.Record{{
		Time: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), Request: "requests/a\nb.yaml", Action: audit.Created, Team: "a",
		Commit: src, Source: src, Bundle: "1", Renderer: "1",
		Pulls:      []audit.Pull{{Number: 3, URL: "https://h/pull/3", Author: "x y", Approvers: []string{"z"}}},
		Exceptions: []audit.RecordException{{Policy: "p", Expires: "2026-12-31", Reason: "a, \"quoted\"\nreason"}},
	}}}
}

// A value that would break a line of text is quoted, as in the trailers.
func TestTextQuotesUnusualValues(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	if err := audit.Write(&b, "text", oddLog()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"requests/a\nb.yaml"`, `by "x y"`, `"a, \"quoted\"\nreason"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %s:\n%s", want, b.String())
		}
	}
}

// Every CSV field, commas, quotes and newlines in it, reads back as written.
func TestCSVRoundTrip(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	if err := audit.Write(&b, "csv", oddLog()); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for i, k := range rows[0] {
		got[k] = rows[1][i]
	}
	want := map[string]string{"request": "requests/a\nb.yaml", "requested_by": "x y", "exceptions": "p until 2026-12-31: a, \"quoted\"\nreason"}
	for k, v := range want {
		if diff := cmp.Diff(v, got[k]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", k, diff)
		}
	}
}
