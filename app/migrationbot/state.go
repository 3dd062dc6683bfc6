package migrationbot

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Markers open the hidden metadata of the bot's pull requests and of its
// tracking issue: an HTML comment holding JSON, which the host does not
// show.
const (
	pullMarker  = "dip:migration"
	issueMarker = "dip:migration-tracking"
)

// pullMeta is what a migration pull request records of itself in its
// body.
type pullMeta struct {
	Version int    `json:"v"`
	Branch  string `json:"branch"`
	// Requests are the requests the pull request migrates.
	Requests []migrationKey `json:"requests"`
	// Reviewers are those asked to review, each once.
	Reviewers []string `json:"reviewers,omitempty"`
	// LeftAlone is the commit someone else pushed to the branch, once the
	// bot has said that it leaves the pull request alone.
	LeftAlone string `json:"leftAlone,omitempty"`
	// ClosedBy is "dip" when the bot closed the pull request itself.
	ClosedBy string `json:"closedBy,omitempty"`
}

// migrationKey is one request's migration: its file and the version it
// moves to. A person who closes a pull request unmerged declines these.
type migrationKey struct {
	Path string `json:"path"`
	To   string `json:"to"`
}

// memory is what the bot remembers of a repository between runs, kept in
// its tracking issue.
type memory struct {
	Version int `json:"v"`
	// Pulls are the migration pull requests open at the last run.
	Pulls []trackedPull `json:"pulls,omitempty"`
	// Recent are when pull requests no longer open were opened, for those
	// opened within the last hour: they count towards the hourly limit.
	Recent []time.Time `json:"recent,omitempty"`
	// Declined are migrations whose pull request a person closed unmerged;
	// they are not proposed again.
	Declined []declined `json:"declined,omitempty"`
}

type trackedPull struct {
	Number int       `json:"number"`
	Branch string    `json:"branch"`
	Opened time.Time `json:"opened"`
}

type declined struct {
	migrationKey
	// Pull is the pull request that was closed.
	Pull int `json:"pull"`
}

// metaVersion is the version of both records; a record of another version
// is read as none.
const metaVersion = 1

// compressAbove is the JSON size above which metadata is gzipped and
// base64-encoded, to stay well inside the host's limit on a body.
const compressAbove = 8 << 10

// maxMeta bounds the metadata read back from a body.
const maxMeta = 1 << 20

// encodeMeta is v as the HTML comment marker carries: JSON, or gz: and
// base64 of gzipped JSON when large. encoding/json escapes < and >, so the
// comment cannot be closed early.
func encodeMeta(marker string, v any) string {
	data, _ := json.Marshal(v) // plain structs of strings, numbers and times
	text := string(data)
	if len(data) > compressAbove {
		var b bytes.Buffer
		w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		w.Write(data)
		w.Close()
		text = "gz:" + base64.StdEncoding.EncodeToString(b.Bytes())
	}
	return "<!-- " + marker + " " + text + " -->"
}

var metaRE = regexp.MustCompile(`<!-- (dip:migration(?:-tracking)?) (\{.*?\}|gz:[A-Za-z0-9+/=]+) -->`)

// decodeMeta reads the metadata marker left in body into v, reporting
// whether there was one of the current version.
func decodeMeta(body, marker string, v any) bool {
	for _, m := range metaRE.FindAllStringSubmatch(body, -1) {
		if m[1] != marker {
			continue
		}
		data := []byte(m[2])
		if gz, ok := strings.CutPrefix(m[2], "gz:"); ok {
			raw, err := base64.StdEncoding.DecodeString(gz)
			if err != nil {
				return false
			}
			r, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				return false
			}
			data, err = io.ReadAll(io.LimitReader(r, maxMeta+1))
			if err != nil || len(data) > maxMeta {
				return false
			}
		}
		var version struct {
			V int `json:"v"`
		}
		if json.Unmarshal(data, &version) != nil || version.V != metaVersion {
			return false
		}
		return json.Unmarshal(data, v) == nil
	}
	return false
}

// hasMeta reports whether body carries marker's metadata.
func hasMeta(body, marker string) bool {
	for _, m := range metaRE.FindAllStringSubmatch(body, -1) {
		if m[1] == marker {
			return true
		}
	}
	return false
}

// openedWithin counts the pull requests of m opened in the hour before
// now.
func (m *memory) openedWithin(now time.Time) (int, time.Time) {
	n := 0
	var oldest time.Time
	count := func(t time.Time) {
		if t.After(now.Add(-time.Hour)) && !t.After(now) {
			n++
			if oldest.IsZero() || t.Before(oldest) {
				oldest = t
			}
		}
	}
	for _, p := range m.Pulls {
		count(p.Opened)
	}
	for _, t := range m.Recent {
		count(t)
	}
	return n, oldest
}

// pruned is m without what no longer counts at now: opening times older
// than an hour.
func (m memory) pruned(now time.Time) memory {
	m.Recent = slices.DeleteFunc(slices.Clone(m.Recent), func(t time.Time) bool { return !t.After(now.Add(-time.Hour)) })
	return m
}

// forget moves pull request number from the open ones to Recent.
func (m *memory) forget(number int) {
	i := slices.IndexFunc(m.Pulls, func(p trackedPull) bool { return p.Number == number })
	if i < 0 {
		return
	}
	m.Recent = append(m.Recent, m.Pulls[i].Opened)
	slices.SortFunc(m.Recent, func(a, b time.Time) int { return a.Compare(b) })
	m.Pulls = slices.Delete(m.Pulls, i, i+1)
}

func (m *memory) tracked(number int) bool {
	return slices.ContainsFunc(m.Pulls, func(p trackedPull) bool { return p.Number == number })
}

// isDeclined reports whether a person declined migrating path to version
// to.
func (m *memory) isDeclined(k migrationKey) bool {
	return slices.ContainsFunc(m.Declined, func(d declined) bool { return d.migrationKey == k })
}

// decline records the migrations of pull request number as declined.
func (m *memory) decline(number int, keys []migrationKey) {
	for _, k := range keys {
		if !m.isDeclined(k) {
			m.Declined = append(m.Declined, declined{migrationKey: k, Pull: number})
		}
	}
	m.sortDeclined()
}

func (m *memory) sortDeclined() {
	slices.SortFunc(m.Declined, func(a, b declined) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.To, b.To)
	})
}
