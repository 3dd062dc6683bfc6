package main

import (
	"strings"
	"testing"
)

// dip serve stops at start, exit 2, when a secret is missing, naming the
// setting, and reads its settings from DIP_* variables unless a flag is
// given.
func TestServeConfiguration(t *testing.T) {
	key := t.TempDir() + "/key.pem"
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{name: "no app id", want: "DIP_GITHUB_APP_ID"},
		{name: "bad app id", env: map[string]string{"DIP_GITHUB_APP_ID": "abc"}, want: `"abc" is not a positive number`},
		{name: "no key", env: map[string]string{"DIP_GITHUB_APP_ID": "7"}, want: "DIP_GITHUB_PRIVATE_KEY"},
		{name: "missing key file", env: map[string]string{"DIP_GITHUB_APP_ID": "7", "DIP_GITHUB_PRIVATE_KEY": key}, want: "key.pem"},
		{name: "flag wins", env: map[string]string{"DIP_GITHUB_APP_ID": "7"}, args: []string{"--github-app-id", "x9"}, want: `"x9" is not a positive number`},
		{name: "bad variable", env: map[string]string{"DIP_WORKERS": "many"}, want: "DIP_WORKERS"},
		{name: "no host names gitlab too", want: "DIP_GITLAB_TOKEN"},
		{name: "gitlab without secret", env: map[string]string{"DIP_GITLAB_TOKEN": "glpat-x"}, want: "DIP_GITLAB_WEBHOOK_SECRET"},
		{name: "gitlab without token", env: map[string]string{"DIP_GITLAB_WEBHOOK_SECRET": "s"}, want: "DIP_GITLAB_TOKEN"},
		{name: "gitlab url alone", env: map[string]string{"DIP_GITLAB_URL": "https://gitlab.example"}, want: "DIP_GITLAB_TOKEN"},
		{name: "github incomplete beside gitlab", env: map[string]string{"DIP_GITLAB_TOKEN": "t", "DIP_GITLAB_WEBHOOK_SECRET": "s", "DIP_GITHUB_APP_ID": "7"}, want: "DIP_GITHUB_PRIVATE_KEY"},
		// GitLab alone passes the checks and reaches the server, which
		// refuses the URL the flag gave over the variable's.
		{name: "gitlab alone, flag wins", env: map[string]string{"DIP_GITLAB_TOKEN": "t", "DIP_GITLAB_WEBHOOK_SECRET": "s", "DIP_GITLAB_URL": "https://gitlab.example"},
			args: []string{"--gitlab-url", "ftp://gitlab.example"}, want: `"ftp://gitlab.example": not an http or https URL`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("DIP_CACHE_DIR", t.TempDir())
			t.Setenv("DIP_DATABASE_URL", t.TempDir()+"/dip.db")
			for _, v := range []string{"DIP_GITHUB_APP_ID", "DIP_GITHUB_PRIVATE_KEY", "DIP_GITHUB_WEBHOOK_SECRET", "DIP_WORKERS",
				"DIP_GITLAB_URL", "DIP_GITLAB_TOKEN", "DIP_GITLAB_WEBHOOK_SECRET"} {
				t.Setenv(v, "")
			}
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			code, _, stderr := dip(t, append([]string{"serve"}, c.args...)...)
			if code != exitError || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 naming %q", code, stderr, c.want)
			}
		})
	}
}

func TestServeNoSecret(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "key.pem", "-----BEGIN RSA PRIVATE KEY-----\n-----END RSA PRIVATE KEY-----\n")
	t.Setenv("DIP_GITHUB_APP_ID", "7")
	t.Setenv("DIP_GITHUB_PRIVATE_KEY", dir+"/key.pem")
	t.Setenv("DIP_GITHUB_WEBHOOK_SECRET", "")
	code, _, stderr := dip(t, "serve")
	if code != exitError || !strings.Contains(stderr, "DIP_GITHUB_WEBHOOK_SECRET") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	t.Setenv("DIP_GITHUB_WEBHOOK_SECRET", "s")
	t.Setenv("DIP_DATABASE_URL", dir+"/dip.db")
	t.Setenv("DIP_CACHE_DIR", dir+"/cache")
	code, _, stderr = dip(t, "serve")
	if code != exitError || !strings.Contains(stderr, "private key") {
		t.Errorf("a key that is not a key: exit %d, stderr %q", code, stderr)
	}
}
