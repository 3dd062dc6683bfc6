package pipeline

import "github.com/dipdev/dip/platform"

// The types of dip migrate's result, as the migration bot reads them.
// Migrate itself, which fills them, lives with the codemods.

// MigrateOptions picks the requests to migrate; empty fields pick all.
type MigrateOptions struct{ Kind, Team string }

// Migration is what migrating a platform repo would change.
type Migration struct {
	// Files are sorted by Path; only files that change.
	Files []MigratedFile
	// Diagnostics are requests that cannot be migrated safely, with
	// file:line.
	Diagnostics platform.Diagnostics
}

// MigratedFile is one request migrated.
type MigratedFile struct {
	Path, Team, Kind, Name string
	// From and To are apiVersions.
	From, To string
	// Codemods names the codemods applied, in order.
	Codemods      []string
	Before, After []byte
	// Equivalent is set when rendering Before and After gives
	// byte-identical files.
	Equivalent bool
	// RenderDiff is a unified diff of the rendered files when not
	// Equivalent.
	RenderDiff string
}
