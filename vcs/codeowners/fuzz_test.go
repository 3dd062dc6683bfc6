package codeowners_test

import (
	"testing"

	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/codeowners"
)

// FuzzParse: no file makes Parse or Owners panic or hang, on either host.
func FuzzParse(f *testing.F) {
	f.Add([]byte(github), "requests/payments/a.yaml")
	f.Add([]byte("[S][2] @a\n!/x/** \n^[T]\n*.md @b # c\n"), "x/y.md")
	f.Add([]byte(`\#a\ b/**/c? @o`+"\n"), "#a b/c/d")
	f.Fuzz(func(t *testing.T, data []byte, path string) {
		for _, host := range []vcs.Host{vcs.GitHub, vcs.GitLab} {
			file, err := codeowners.Parse(data, host)
			if err != nil {
				continue
			}
			_ = file.Owners(path)
		}
	})
}
