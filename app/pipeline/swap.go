package pipeline

import "os"

// swapByRename replaces out with tmp in two renames, for file systems
// without an atomic exchange. The old tree ends up at tmp.
func swapByRename(tmp, out string) error {
	old := tmp + ".old"
	if err := os.Rename(out, old); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		_ = os.Rename(old, out)
		return err
	}
	return os.Rename(old, tmp)
}
