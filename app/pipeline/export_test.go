package pipeline

// ScopeOf is the scope a check of opt judges, without its checks.
func ScopeOf(opt CheckOptions) (*Scope, error) {
	run := &CheckRun{}
	if err := run.load(opt); err != nil {
		return nil, err
	}
	return run.Scope, nil
}
