package gitlabtest

import (
	"testing"

	"github.com/dipdev/dip/internal/gittest"
)

// Repo is a real bare git repository for ServeGit, with a work tree
// beside it that tests commit in and push from.
type Repo = gittest.Repo

// NewRepo makes an empty repository whose default branch is main.
func NewRepo(t testing.TB) *Repo {
	t.Helper()
	return gittest.New(t, "repo.git")
}
