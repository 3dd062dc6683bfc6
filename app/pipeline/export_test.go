package pipeline

import "io/fs"

// MigrateRenderingAll is Migrate rendering both sides of every request it
// compares, without proofs from the renderers' inputs.
func MigrateRenderingAll(fsys fs.FS, opt MigrateOptions) (*Migration, error) {
	opt.RenderBoth = true
	return Migrate(fsys, opt)
}

// ScopeOf is the scope a check of opt judges, without its checks.
func ScopeOf(opt CheckOptions) (*Scope, error) {
	run := &CheckRun{}
	if err := run.load(opt); err != nil {
		return nil, err
	}
	return run.Scope, nil
}
