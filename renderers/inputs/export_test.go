package inputs

// Agrees reports whether c found every lookup in env answered alike.
func Agrees(c *Comparison, env string) bool { return c.agree[env] }
