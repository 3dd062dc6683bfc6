package migrationbot

import (
	"testing"
	"time"

	"github.com/dipdev/dip/vcs"
)

// FuzzDecodeMeta: a body anyone may have edited never makes the metadata
// reader panic, and what it reads encodes back to the same record.
func FuzzDecodeMeta(f *testing.F) {
	f.Add(encodeMeta(pullMarker, pullMeta{Version: metaVersion, Branch: "dip/migrate/x/a", Requests: []migrationKey{{"requests/a/b.yaml", "dip/v2"}}, LeftAlone: "abc"}))
	f.Add("text\n" + encodeMeta(issueMarker, memory{Version: metaVersion, Pulls: []trackedPull{{Number: 3, Branch: "b", Opened: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}}, Declined: []declined{{migrationKey{"p", "dip/v2"}, 3}}}))
	f.Add(`<!-- dip:migration {"v":1,"requests":[{"path":1}]} --> <!-- dip:migration {"v":1} -->`)
	f.Add(`<!-- dip:migration-tracking gz:H4sIAAAAAAAA/w== -->`)
	f.Fuzz(func(t *testing.T, body string) {
		var p, pback pullMeta
		if decodeMeta(body, pullMarker, &p) {
			text := encodeMeta(pullMarker, p)
			if !decodeMeta(text, pullMarker, &pback) || encodeMeta(pullMarker, pback) != text {
				t.Errorf("pull request metadata does not round-trip: %+v, %+v", p, pback)
			}
		}
		var m, mback memory
		if decodeMeta(body, issueMarker, &m) {
			text := encodeMeta(issueMarker, m)
			if !decodeMeta(text, issueMarker, &mback) || encodeMeta(issueMarker, mback) != text {
				t.Errorf("memory does not round-trip: %+v, %+v", m, mback)
			}
		}
		_ = pickTracking([]vcs.Issue{{Number: 1, Body: body}})
		_ = migrationPulls([]vcs.PullRequest{{Number: 1, HeadRef: "dip/migrate/x/a", BaseRef: "main", Body: body}}, "main")
	})
}
