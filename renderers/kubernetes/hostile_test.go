package kubernetes_test

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	"sigs.k8s.io/yaml"

	"github.com/dipdev/dip/renderers/kubernetes"
	"github.com/dipdev/dip/renderers/rendertest"
	"github.com/dipdev/dip/renderers/source"
)

const repoFiles = `-- platform.yaml --
metadata: {name: acme}
spec:
  cloud: aws
  environments:
    - {name: staging, region: eu-west-1}
    - {name: production, region: eu-west-1}
-- teams/payments.yaml --
metadata: {name: payments}
spec:
  owners: ["@acme/payments"]
  costCenter: cc-1234
`

// sources decodes a repo of repoFiles plus requests, an archive body of
// request files, and returns each request in each of its environments.
func sources(t *testing.T, requests string) []*source.Request {
	t.Helper()
	return rendertest.Sources(t, rendertest.Repo(t, txtar.Parse([]byte(repoFiles+requests))))
}

// hostile are strings that YAML, JSON or Kubernetes could misread.
var hostile = []string{
	"${x}", "$(HOME)", "$$", "a$", "$", "$$(x)", "$(", "$(unclosed", "$$$",
	`"double" 'single'`, "line1\nline2\n", "line1\nline2", "trailing\n\n",
	"  lead and trail  ", "tab\there", "crlf\r\nx", "bell\a",
	"héllo ✓ 日本語 🚀", "\u2028\u2029\u0085\ufeff",
	"yes", "no", "on", "off", "y", "n", "true", "False", "null", "~", "",
	"- a", "{b: c}", "[1, 2]", "0x1F", "0o17", "012", "1e3", "1_000", ".inf", "-.nan",
	"12:30:00", "2024-01-01", "# comment", "key: value", "&anchor x", "*alias",
	"!tag x", "!!binary aGk=", "%YAML 1.2", "@at", "`tick`", "|", ">", "---", "...",
	"? q", `\backslash\`, "<>&", strings.Repeat("long ", 200),
}

// expand is what Kubernetes does to an env value or command argument
// before the container sees it: $$ becomes $ and $(NAME) the value of
// variable NAME. Every NAME is taken as defined, as <NAME>, so that a
// reference left unescaped shows.
func expand(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			if j := strings.IndexByte(s[i+2:], ')'); j >= 0 {
				b.WriteString("<" + s[i+2:i+2+j] + ">")
				i += 2 + j
				continue
			}
			b.WriteString("$(")
			i++
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

// quote writes s as a YAML double-quoted scalar that spells out every
// character outside printable ASCII as an escape, so that no character is
// read as a line break or folded.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		case r <= 0xffff:
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			fmt.Fprintf(&b, "\\U%08x", r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// TestHostileStrings renders hostile env values and command arguments and
// reads them back from the YAML: the container must see what was written.
func TestHostileStrings(t *testing.T) {
	var env, cmd strings.Builder
	for i, v := range hostile {
		fmt.Fprintf(&env, "    V%02d: %s\n", i, quote(v))
		fmt.Fprintf(&cmd, "    - %s\n", quote(v))
	}
	srcs := sources(t, `-- requests/payments/api.yaml --
apiVersion: dip/v1
kind: Service
metadata: {name: api, team: payments}
spec:
  environments: [staging]
  namespace: payments
  image: ghcr.io/acme/api:1.0.0
  env:
`+env.String()+`-- requests/payments/job.yaml --
apiVersion: dip/v1
kind: BatchJob
metadata: {name: job, team: payments}
spec:
  environments: [staging]
  namespace: payments
  image: ghcr.io/acme/job:1.0.0
  schedule: "0 * * * *"
  command:
`+cmd.String())

	check := func(what, got, want string) {
		t.Helper()
		if expand(got) != want {
			t.Errorf("%s: the container sees %q, want %q", what, expand(got), want)
		}
		if !strings.Contains(want, "$") && got != want {
			t.Errorf("%s: rendered %q, want %q unchanged", what, got, want)
		}
	}

	files := render(t, srcs[0])
	var d appsv1.Deployment
	if err := yaml.UnmarshalStrict(files["deployment.yaml"], &d); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		got[e.Name] = e.Value
	}
	for i, v := range hostile {
		name := fmt.Sprintf("V%02d", i)
		if _, ok := got[name]; !ok {
			t.Errorf("env %s missing", name)
		}
		check("env "+name, got[name], v)
	}

	files = render(t, srcs[1])
	var cj batchv1.CronJob
	if err := yaml.UnmarshalStrict(files["cronjob.yaml"], &cj); err != nil {
		t.Fatal(err)
	}
	command := cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Command
	if len(command) != len(hostile) {
		t.Fatalf("command has %d arguments, want %d", len(command), len(hostile))
	}
	for i, v := range hostile {
		check(fmt.Sprintf("command[%d]", i), command[i], v)
	}
}

func render(t *testing.T, src *source.Request) map[string][]byte {
	t.Helper()
	files, err := kubernetes.Render(src)
	if err != nil {
		t.Fatalf("render %s: %v", src.Request.File, err)
	}
	return files
}

func TestExpand(t *testing.T) {
	for in, want := range map[string]string{
		"$$": "$", "$(A)": "<A>", "$$(A)": "$(A)", "x$(A)$(B": "x<A>$(B", "${A}": "${A}", "a$": "a$", "$(": "$(", "$$$$": "$$",
	} {
		if got := expand(in); got != want {
			t.Errorf("expand(%q) = %q, want %q", in, got, want)
		}
	}
}
