package scan_test

import (
	"encoding/base64"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zricethezav/gitleaks/v8/detect"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/checks/scan"
)

func newSecrets(t *testing.T) *scan.Secrets {
	t.Helper()
	s, err := scan.NewSecrets()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Fake credentials, built from parts so that the repository holds none.
var (
	awsKeyID   = "AKIA" + "QYLPMN5HHHFPZAM2"
	awsSecret  = "Tq8Zr7Wq2LxP9vKd" + "4Nm8Jt3Hb6YcFs1uE0gAo5iW"
	githubPAT  = "ghp_" + "8Rn2xVQ4kZp7TtLbW1cJmY6sHdF3aE0uGiOq"
	slackToken = "xoxb-" + "2941617834-4281793620133-VrNhX4kT2pQm7LsYc9WdJbE1"
	apiKey     = "Zr7Wq2LxP9" + "vKd4Nm8Jt3Hb6Y"
	pemBlock   = "-----BEGIN " + "RSA PRIVATE KEY-----\n" +
		"    MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u\n" +
		"    +qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo9z+40RQ\n" +
		"    -----END RSA PRIVATE KEY-----"
	allSecrets = []string{awsKeyID, awsSecret, githubPAT, slackToken, apiKey, "MIIEowIBAAKCAQEA"}
)

// found is the part of an annotation the table checks.
type found struct {
	Line, Column int
	Rule, Field  string
}

func TestSecretsAreFoundWhereTheyStart(t *testing.T) {
	for _, tc := range []struct {
		name, request string
		want          []found
	}{{
		name: "service env",
		request: `apiVersion: dip/v1
kind: Service
metadata:
  name: orders-api
  team: payments
spec:
  environments: [staging]
  namespace: payments
  image: ghcr.io/acme/orders-api:1.4.2
  env:
    AWS_ACCESS_KEY_ID: ` + awsKeyID + `
    AWS_SECRET_ACCESS_KEY: ` + awsSecret + `
    GITHUB_TOKEN: "` + githubPAT + `"
    SLACK_TOKEN: ` + slackToken + `
    PAYMENT_API_KEY: ` + apiKey + `
    LOG_LEVEL: debug
`,
		want: []found{
			{11, 24, "secrets.aws-access-token", "spec.env.AWS_ACCESS_KEY_ID"},
			{12, 28, "secrets.generic-api-key", "spec.env.AWS_SECRET_ACCESS_KEY"},
			{13, 20, "secrets.github-pat", "spec.env.GITHUB_TOKEN"},
			{14, 18, "secrets.slack-bot-token", "spec.env.SLACK_TOKEN"},
			{15, 22, "secrets.generic-api-key", "spec.env.PAYMENT_API_KEY"},
		},
	}, {
		name: "secret description",
		request: `apiVersion: dip/v1
kind: Secret
metadata:
  name: ci-bot
  team: payments
spec:
  environments: [staging]
  namespace: payments
  description: "Clé d’accès — ` + githubPAT + `"
`,
		// Columns count characters, not bytes.
		want: []found{{9, 31, "secrets.github-pat", "spec.description"}},
	}, {
		name: "private key in a block scalar",
		request: `apiVersion: dip/v1
kind: Secret
metadata:
  name: signer
  team: identity
spec:
  environments: [staging]
  namespace: identity
  description: |
    The signing key:
    ` + pemBlock + `
`,
		want: []found{{11, 5, "secrets.private-key", "spec.description"}},
	}, {
		name: "batch job argument and a comment on the first line",
		request: `# old token ` + githubPAT + `
apiVersion: dip/v1
kind: BatchJob
metadata:
  name: reindex
  team: catalog
spec:
  environments: [staging]
  namespace: catalog
  image: ghcr.io/acme/reindex:2.0.0
  schedule: "0 3 * * *"
  command: [reindex, "--api-key=` + apiKey + `"]
`,
		want: []found{
			{1, 13, "secrets.github-pat", ""},
			{12, 33, "secrets.generic-api-key", "spec.command.1"},
		},
	}, {
		// The field's name would repeat the secret, so the message does
		// not name it.
		name:    "secret as a key",
		request: "spec:\n  env:\n    " + githubPAT + ": \"1\"\n",
		want:    []found{{3, 5, "secrets.github-pat", ""}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			const path = "requests/team/request.yaml"
			as := newSecrets(t).Scan([]scan.File{{Path: path, Data: []byte(tc.request)}})
			var got []found
			for _, a := range as {
				if a.File != path || a.Level != checks.LevelFailure {
					t.Errorf("annotation = %+v", a)
				}
				checkNoSecret(t, a)
				got = append(got, found{a.Line, a.Column, a.Rule, fieldOf(a.Message)})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

// fieldOf returns the field a secret's message names, in backquotes at its
// start, or "".
func fieldOf(msg string) string {
	if f, rest, ok := strings.Cut(strings.TrimPrefix(msg, "`"), "` holds"); ok && strings.HasPrefix(msg, "`") && rest != "" {
		return f
	}
	return ""
}

func checkNoSecret(t *testing.T, a checks.Annotation) {
	t.Helper()
	for _, s := range allSecrets {
		for _, part := range []string{s, s[len(s)/2:]} {
			if strings.Contains(a.Message, part) || strings.Contains(a.Title, part) || strings.Contains(a.Rule, part) {
				t.Errorf("annotation repeats a secret: %+v", a)
			}
		}
	}
}

func TestSecretMessageSaysWhatToDo(t *testing.T) {
	as := newSecrets(t).Scan([]scan.File{{Path: "r.yaml", Data: []byte("spec:\n  env:\n    TOKEN: " + githubPAT + "\n")}})
	if len(as) != 1 {
		t.Fatalf("findings = %+v", as)
	}
	for _, want := range []string{"`spec.env.TOKEN`", "github-pat", "GitHub Personal Access Token", "rotate", "Secret request", "# gitleaks:allow"} {
		if !strings.Contains(as[0].Message, want) {
			t.Errorf("message lacks %q: %s", want, as[0].Message)
		}
	}
}

func TestEncodedSecret(t *testing.T) {
	encoded := base64.StdEncoding.EncodeToString([]byte("token: " + githubPAT))
	req := "spec:\n  env:\n    CONFIG: " + encoded + "\n"
	as := newSecrets(t).Scan([]scan.File{{Path: "r.yaml", Data: []byte(req)}})
	i := slices.IndexFunc(as, func(a checks.Annotation) bool { return a.Rule == "secrets.github-pat" })
	if i < 0 {
		t.Fatalf("base64 of a token not found: %+v", as)
	}
	if a := as[i]; a.Line != 3 || a.Column < 13 || !strings.Contains(a.Message, "encoded secret") || strings.Contains(a.Message, encoded[:20]) {
		t.Errorf("annotation = %+v", a)
	}
}

func TestGitleaksAllowComment(t *testing.T) {
	req := "spec:\n  env:\n    A: " + githubPAT + " # gitleaks:allow\n    B: " + slackToken + "\n"
	as := newSecrets(t).Scan([]scan.File{{Path: "r.yaml", Data: []byte(req)}})
	if len(as) != 1 || as[0].Line != 4 || as[0].Rule != "secrets.slack-bot-token" {
		t.Errorf("want only the slack token on line 4, got %+v", as)
	}
}

func TestTemplateRequestsHaveNoSecrets(t *testing.T) {
	root := filepath.Join("..", "..", "platform-repo-template")
	var files []scan.File
	err := filepath.WalkDir(filepath.Join(root, "requests"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".yaml" {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		files = append(files, scan.File{Path: filepath.ToSlash(rel), Data: data})
		return err
	})
	if err != nil || len(files) < 10 {
		t.Fatalf("read template requests: %v (%d files)", err, len(files))
	}
	if as := newSecrets(t).Scan(files); len(as) != 0 {
		t.Errorf("false positives in the template:\n%+v", as)
	}
}

func TestSecretsConcurrently(t *testing.T) {
	var files []scan.File
	for i := range 40 {
		files = append(files, scan.File{
			Path: fmt.Sprintf("requests/t/r%02d.yaml", i),
			Data: fmt.Appendf(nil, "spec:\n  env:\n    TOKEN: %s\n", githubPAT),
		})
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			s, err := scan.NewSecrets()
			if err != nil {
				t.Error(err)
				return
			}
			if as := s.Scan(files); len(as) != len(files) {
				t.Errorf("%d findings in %d files", len(as), len(files))
			}
		})
	}
	wg.Wait()
}

func TestNoFiles(t *testing.T) {
	if as := newSecrets(t).Scan(nil); len(as) != 0 {
		t.Errorf("findings = %+v", as)
	}
}

// gitleaks numbers lines from 0 and columns from 1, except that on every
// line but the first its column also counts the previous line's newline.
// Scan corrects for this; the test tells when a gitleaks upgrade changes it.
func TestGitleaksNumbering(t *testing.T) {
	det, err := detect.NewDetectorDefaultConfig()
	if err != nil {
		t.Fatal(err)
	}
	fs := det.DetectString("x: " + githubPAT + "\ny: " + githubPAT + "\n")
	var got [][2]int
	for _, f := range fs {
		got = append(got, [2]int{f.StartLine, f.StartColumn})
	}
	if want := [][2]int{{0, 4}, {1, 5}}; !slices.Equal(got, want) {
		t.Errorf("gitleaks positions = %v, want %v", got, want)
	}
	as := newSecrets(t).Scan([]scan.File{{Path: "r.yaml", Data: []byte("x: " + githubPAT + "\ny: " + githubPAT + "\n")}})
	var pos [][2]int
	for _, a := range as {
		pos = append(pos, [2]int{a.Line, a.Column})
	}
	if want := [][2]int{{1, 4}, {2, 4}}; !slices.Equal(pos, want) {
		t.Errorf("annotation positions = %v, want %v", pos, want)
	}
}
