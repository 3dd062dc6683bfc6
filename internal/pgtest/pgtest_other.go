//go:build !unix

package pgtest

import (
	"os"
	"testing"
)

// URL skips t: the throwaway server needs a Unix system.
func URL(t testing.TB) string {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal("pgtest: PostgreSQL tests need a Unix system")
	}
	t.Skip("pgtest: PostgreSQL tests need a Unix system")
	return ""
}
