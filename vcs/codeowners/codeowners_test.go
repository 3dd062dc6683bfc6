package codeowners_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/codeowners"
)

// github is GitHub's example file, from "About code owners".
const github = `# This is a comment.
*       @global-owner1 @global-owner2
*.js    @js-owner #This is an inline comment.
*.go docs@example.com
*.txt @octo-org/octocats
/build/logs/ @doctocat
docs/*  docs@example.com
apps/ @octocat
/docs/ @doctocat
/scripts/ @doctocat @octocat
**/logs @octocat
/apps/ @octocat
/apps/github
/src/ @octo-org/src
\#notes.md @hash-owner
path\ with\ spaces/ @space-owner
`

func TestGitHubRules(t *testing.T) {
	f, err := codeowners.Parse([]byte(github), vcs.GitHub)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Problems) != 0 {
		t.Errorf("problems: %v", f.Problems)
	}
	for path, want := range map[string]string{
		"README.md":                           "@global-owner1 @global-owner2",
		"src/app.js":                          "@octo-org/src",
		"lib/app.js":                          "@js-owner",
		"main.go":                             "docs@example.com",
		"a/b/notes.txt":                       "@octo-org/octocats",
		"build/logs/today/out.log":            "@octocat", // **/logs is later
		"build/logs.txt":                      "@octo-org/octocats",
		"docs/getting-started.md":             "@doctocat",
		"x/docs/getting-started.md":           "@global-owner1 @global-owner2",
		"x/docs/build-app/troubleshooting.md": "@global-owner1 @global-owner2",
		"deep/apps/x.rb":                      "@octocat",
		"apps/github/x.rb":                    "",
		"apps/other/x.rb":                     "@octocat",
		"scripts/run.sh":                      "@doctocat @octocat",
		"a/logs/x":                            "@octocat",
		"#notes.md":                           "@hash-owner",
		"path with spaces/f":                  "@space-owner",
	} {
		if got := strings.Join(f.Owners(path), " "); got != want {
			t.Errorf("%s: owners %q, want %q", path, got, want)
		}
	}
}

func TestPatterns(t *testing.T) {
	cases := []struct {
		pattern string
		match   []string
		miss    []string
	}{
		{"*", []string{"a", "a/b/c"}, nil},
		{"/*", []string{"a"}, []string{"a/b"}},
		{"*.yaml", []string{"a.yaml", "requests/a/b.yaml"}, []string{"a.yml", "a.yaml.bak"}},
		{"requests/", []string{"requests/a/b.yaml", "x/requests/a"}, []string{"requests", "requestsx/a"}},
		{"/requests/", []string{"requests/a/b.yaml"}, []string{"x/requests/a"}},
		{"requests/payments", []string{"requests/payments/a.yaml", "requests/payments"}, []string{"x/requests/payments/a", "requests/payments-2/a"}},
		{"requests/*", []string{"requests/a.yaml"}, []string{"requests/a/b.yaml"}},
		{"requests/**", []string{"requests/a/b.yaml"}, []string{"requests"}},
		{"requests/**/b.yaml", []string{"requests/b.yaml", "requests/a/c/b.yaml"}, []string{"b.yaml"}},
		{"**/payments/*.yaml", []string{"requests/payments/a.yaml", "payments/a.yaml"}, []string{"requests/payments/a/b.yaml"}},
		{"re?uests/", []string{"requests/a"}, []string{"re/uests/a"}},
		{`\*.md`, []string{"*.md"}, []string{"a.md"}},
		{"[id].js", []string{"[id].js"}, []string{"i.js"}},
		{"a.b", []string{"a.b"}, []string{"axb"}},
	}
	for _, c := range cases {
		f, err := codeowners.Parse([]byte(c.pattern+" @o\n"), vcs.GitHub)
		if err != nil || len(f.Problems) > 0 {
			t.Fatalf("%s: %v %v", c.pattern, err, f.Problems)
		}
		for _, p := range c.match {
			if len(f.Owners(p)) == 0 {
				t.Errorf("%s does not match %s", c.pattern, p)
			}
		}
		for _, p := range c.miss {
			if len(f.Owners(p)) != 0 {
				t.Errorf("%s matches %s", c.pattern, p)
			}
		}
	}
}

func TestGitLabSections(t *testing.T) {
	const file = `* @default
/requests/ @platform

[Payments] @acme/payments
/requests/payments/
/requests/payments/secret.yaml @acme/security

^[Docs][2] @docs
*.md

[payments]
!/requests/payments/legacy.yaml
`
	f, err := codeowners.Parse([]byte(file), vcs.GitLab)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Problems) != 0 {
		t.Errorf("problems: %v", f.Problems)
	}
	for path, want := range map[string][]string{
		"requests/payments/db.yaml":     {"@platform", "@acme/payments"},
		"requests/payments/secret.yaml": {"@platform", "@acme/security"},
		"requests/payments/legacy.yaml": {"@platform"},
		"requests/payments/README.md":   {"@platform", "@acme/payments", "@docs"},
		"README.md":                     {"@default", "@docs"},
	} {
		if diff := cmp.Diff(want, f.Owners(path)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", path, diff)
		}
	}
	// GitHub reads none of it as sections.
	gh, _ := codeowners.Parse([]byte(file), vcs.GitHub)
	if len(gh.Problems) != 4 {
		t.Errorf("GitHub problems: %v, want the three headers and the ! rule", gh.Problems)
	}
}

func TestSkippedLines(t *testing.T) {
	f, err := codeowners.Parse([]byte("\ufeff* @a\r\n/x/ not-an-owner\r\n!y @b\r\n/z/ @c\r\n"), vcs.GitHub)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range f.Problems {
		got = append(got, p.String())
	}
	want := []string{`line 2: "not-an-owner" is not an owner`, "line 3: ! is not a pattern on GitHub"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if o := f.Owners("x/1"); len(o) != 1 || o[0] != "@a" {
		t.Errorf("a skipped line decided: %v", o)
	}
	if o := f.Owners("z/1"); len(o) != 1 || o[0] != "@c" {
		t.Errorf("a CRLF file: %v", o)
	}
	if _, err := codeowners.Parse(make([]byte, codeowners.MaxSize+1), vcs.GitHub); err == nil {
		t.Error("an oversized file was read")
	}
}

func TestLocations(t *testing.T) {
	if got := codeowners.Locations(vcs.GitHub)[0]; got != ".github/CODEOWNERS" {
		t.Errorf("GitHub looks first in %s", got)
	}
	if got := codeowners.Locations(vcs.GitLab); got[len(got)-1] != ".gitlab/CODEOWNERS" {
		t.Errorf("GitLab looks last in %s", got[len(got)-1])
	}
}
