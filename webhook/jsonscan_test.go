package webhook

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// decodeCase is a pull_request body and whether decode handles it by
// itself (fast) or leaves it to encoding/json.
type decodeCase struct {
	name string
	body string
	fast bool
}

func nest(depth int) string {
	return `{"action":"a","x":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + `,"number":1}`
}

// decodeCases are the pull_request fixtures and edge cases of JSON.
func decodeCases(t testing.TB) []decodeCase {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "github", "pull_request_*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("fixtures: %v, %d", err, len(paths))
	}
	var cases []decodeCase
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, decodeCase{strings.TrimSuffix(filepath.Base(p), ".json"), string(b), true})
	}
	// GitHub's published examples, as published (indented) and compact.
	for _, ex := range octokitExamples(t) {
		if ex.Event != "pull_request" {
			continue
		}
		cases = append(cases, decodeCase{ex.Name, string(ex.Body), true})
		var compact bytes.Buffer
		if err := json.Compact(&compact, ex.Body); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, decodeCase{ex.Name + "/compact", compact.String(), true})
	}
	return append(cases, []decodeCase{
		{"large", string(largePullRequest(t)), true},
		{"empty object", `{}`, true},
		{"top null", `null`, true},
		{"escapes", `{"action":"op\u00e9ned","pull_request":{"html_url":"https:\/\/github.com\/a\/b","user":{"login":"\ud83d\ude80 \"q\" \\ \b\f\n\r\t"}}}`, true},
		{"lone surrogate", `{"action":"\ud83d","sender":{"login":"\udc00x"}}`, true},
		{"raw utf-8", `{"action":"ouvert é 🚀","sender":{"login":"日本"}}`, true},
		{"invalid utf-8", "{\"action\":\"a\xffb\",\"sender\":{\"login\":\"\xc3\"}}", true},
		{"invalid utf-8 skipped", "{\"title\":\"\xff\xfe\",\"action\":\"a\"}", true},
		{"nulls", `{"action":null,"number":null,"pull_request":{"number":null,"html_url":null,"user":null,"draft":null,"head":null,"base":{"ref":null,"sha":null,"repo":null}},"changes":null,"repository":{"id":null,"owner":null},"sender":null,"installation":{"id":null}}`, true},
		{"null then value", `{"pull_request":null,"pull_request":{"number":2},"sender":null,"sender":{"login":"a"}}`, true},
		{"value then null", `{"pull_request":{"number":2},"pull_request":null,"action":"a","action":null}`, true},
		{"duplicates merge", `{"action":"a","action":"b","number":1,"number":2,"pull_request":{"number":1,"head":{"ref":"x"}},"pull_request":{"html_url":"u","head":{"sha":"s"}},"installation":{"id":1},"installation":{"id":2}}`, true},
		{"case-different keys", `{"Action":"opened","NUMBER":3,"Pull_Request":{"Head":{"SHA":"abc","Repo":{"Full_Name":"a/b","ID":7,"Owner":{"LOGIN":"o"}}},"DRAFT":true,"HTML_url":"h"},"Sender":{"Login":"x"},"Installation":{"Id":9},"Repository":{"Default_Branch":"main","Clone_URL":"c","NAME":"n"}}`, true},
		{"exact then folded", `{"action":"a","ACTION":"b"}`, true},
		{"folded then exact", `{"ACTION":"b","action":"a"}`, true},
		{"near keys", `{"action ":"a","actio":"b","actions":"c","_action":1,"pull_request_":{},"pullrequest":[]}`, true},
		{"unknown nested", `{"labels":[{"name":"x","nested":[[],[{}],{"a":[1,2,{"b":null}]}]}],"action":"x","o":{"p":{"q":{"r":[true,false,null,"s",-1.5e-3]}}},"after":[]}`, true},
		{"whitespace", " \n\t{ \"action\" : \"opened\" ,\r\n \"number\" : 1 , \"pull_request\" : { \"head\" : { \"ref\" : \"r\" } , \"draft\" : false } , \"x\" : [ 1 , { \"y\" : [ ] } , { } ] } \n\r\t", true},
		{"exponents skipped", `{"size":1.5e10,"x":-0.0E-3,"y":0,"z":-12,"w":1E+2,"v":12345678901234567890123,"number":5}`, true},
		{"integer limits", `{"number":-9223372036854775808,"installation":{"id":9223372036854775807},"repository":{"id":-0}}`, true},
		{"installation account", `{"installation":{"id":3,"account":{"login":"acme"}},"action":"opened"}`, true},
		{"changes base", `{"action":"edited","changes":{"title":{"from":"t"},"base":{"ref":{"from":"dev"},"sha":{"from":"abc"}}}}`, true},
		{"changes base null", `{"changes":{"base":null}}`, true},
		{"changes base merge", `{"changes":{"base":{"ref":{"from":"a"}},"Base":{"sha":{"from":"b"}}}}`, true},
		{"deep 100", nest(100), true},

		// Left to encoding/json: errors, and what decode does not handle.
		{"huge number", `{"number":99999999999999999999}`, false},
		{"int64 overflow", `{"number":9223372036854775808}`, false},
		{"int64 underflow", `{"installation":{"id":-9223372036854775809}}`, false},
		{"fraction number", `{"number":1.0}`, false},
		{"exponent number", `{"number":1e2}`, false},
		{"string number", `{"number":"1"}`, false},
		{"leading zero number", `{"number":01}`, false},
		{"string draft", `{"pull_request":{"draft":"true"}}`, false},
		{"number action", `{"action":1}`, false},
		{"array pull request", `{"pull_request":[]}`, false},
		{"bad changes base", `{"changes":{"base":{"ref":1}}}`, false},
		{"escaped key", `{"\u0061ction":"x"}`, false},
		{"non-ascii folded key", `{"ſender":{"login":"x"}}`, false},
		{"deep 10000", nest(10000), false},
		{"deep 10001", nest(10001), false},
		{"empty", ``, false},
		{"array", `[]`, false},
		{"string", `"x"`, false},
		{"trailing", `{} x`, false},
		{"two values", `{}{}`, false},
		{"trailing comma", `{"action":"a",}`, false},
		{"trailing comma array", `{"x":[1,]}`, false},
		{"missing colon", `{"x" 1}`, false},
		{"missing comma", `{"x":[1 2]}`, false},
		{"bad literal", `{"x":tru}`, false},
		{"literal suffix", `{"x":truex}`, false},
		{"control in string", "{\"x\":\"a\x01\"}", false},
		{"bad escape", `{"x":"\q"}`, false},
		{"short unicode escape", `{"x":"\u12"}`, false},
		{"unterminated string", `{"action":"a`, false},
		{"unterminated object", `{"x":{"y":1}`, false},
		{"mismatched brackets", `{"x":[1}`, false},
		{"bare minus", `{"x":-}`, false},
		{"dot without digits", `{"x":1.}`, false},
		{"exponent without digits", `{"x":1e+}`, false},
		{"single quotes", `{'action':'a'}`, false},
		{"byte order mark", "\ufeff{}", false},
	}...)
}

// decodeBoth decodes body with decode and with encoding/json.
func decodeBoth(body []byte) (fast bool, got, want slimPullRequestEvent, wantErr error) {
	fast = got.decode(body)
	wantErr = json.Unmarshal(body, &want)
	return fast, got, want, wantErr
}

// TestDecodeLikeEncodingJSON checks that decode gives what encoding/json
// gives, or leaves the body to it, and that parsePayload gives what
// encoding/json gives.
func TestDecodeLikeEncodingJSON(t *testing.T) {
	for _, c := range decodeCases(t) {
		t.Run(c.name, func(t *testing.T) {
			fast, got, want, wantErr := decodeBoth([]byte(c.body))
			if fast != c.fast {
				t.Errorf("decode handled it = %v, want %v (encoding/json: %v)", fast, c.fast, wantErr)
			}
			if fast {
				if wantErr != nil {
					t.Fatalf("decode accepted what encoding/json refuses: %v", wantErr)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("decode (-encoding/json +decode):\n%s", diff)
				}
			}
			ev, err := parsePayload("pull_request", []byte(c.body))
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("parsePayload error = %v, encoding/json: %v", err, wantErr)
			}
			if err == nil {
				if diff := cmp.Diff(&want, ev); diff != "" {
					t.Errorf("parsePayload (-encoding/json +parsePayload):\n%s", diff)
				}
			}
		})
	}
}

// FuzzSlimPullRequestDecode checks that whatever decode handles by itself
// encoding/json accepts and decodes alike.
func FuzzSlimPullRequestDecode(f *testing.F) {
	for _, c := range decodeCases(f) {
		f.Add([]byte(c.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fast, got, want, wantErr := decodeBoth(body)
		if !fast {
			return // parsePayload asks encoding/json.
		}
		if wantErr != nil {
			t.Fatalf("decode accepted what encoding/json refuses: %v", wantErr)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("decode (-encoding/json +decode):\n%s", diff)
		}
	})
}

// BenchmarkParsePullRequest decodes a pull_request delivery of 16 KB,
// compact, as GitHub sends it, with decode and with encoding/json.
func BenchmarkParsePullRequest(b *testing.B) {
	body := largePullRequest(b)
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var p slimPullRequestEvent
			if !p.decode(body) {
				b.Fatal("decode gave up")
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var p slimPullRequestEvent
			if err := json.Unmarshal(body, &p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// largePullRequest is the pull_request_synchronize fixture with what
// GitHub's deliveries hold and the fixtures leave out — the URLs of
// every repository and user — compact, as GitHub sends it: about 16 KB,
// like dipbench's deliveries.
func largePullRequest(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "github", "pull_request_synchronize.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	enrich(v)
	if b, err = json.Marshal(v); err != nil {
		t.Fatal(err)
	}
	return b
}

// enrich adds URLs to the repositories and users in v.
func enrich(v any) {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			enrich(e)
		}
	case map[string]any:
		for _, k := range slices.Collect(maps.Keys(v)) {
			enrich(v[k])
		}
		if name, ok := v["full_name"].(string); ok {
			api := "https://api.github.com/repos/" + name
			for _, u := range []string{"forks", "keys{/key_id}", "collaborators{/collaborator}", "teams", "hooks",
				"issues/events{/number}", "events", "assignees{/user}", "branches{/branch}", "tags", "blobs{/sha}",
				"git/tags{/sha}", "git/refs{/sha}", "git/trees{/sha}", "statuses/{sha}", "languages", "stargazers",
				"contributors", "subscribers", "subscription", "commits{/sha}", "git/commits{/sha}", "comments{/number}",
				"issues/comments{/number}", "contents/{+path}", "compare/{base}...{head}", "merges", "{archive_format}{/ref}",
				"downloads", "issues{/number}", "pulls{/number}", "milestones{/number}", "notifications{?since,all,participating}",
				"labels{/name}", "releases{/id}", "deployments"} {
				k, _, _ := strings.Cut(u, "{")
				k = strings.ReplaceAll(strings.TrimSuffix(k, "/"), "/", "_")
				if k == "" {
					k = "archive"
				}
				v[k+"_url"] = api + "/" + u
			}
			v["homepage"], v["license"], v["topics"], v["stargazers_count"] = nil, nil, []any{}, 0
		}
		if login, ok := v["login"].(string); ok {
			u := "https://api.github.com/users/" + login
			for _, k := range []string{"followers", "following{/other_user}", "repos", "events{/privacy}"} {
				name, _, _ := strings.Cut(k, "{")
				v[name+"_url"] = u + "/" + k
			}
			v["gravatar_id"] = ""
		}
	}
}
