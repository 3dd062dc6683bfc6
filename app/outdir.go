package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// OutputMarker is written at the top of every output directory dip
// writes. dip replaces an existing directory only when it holds this marker
// (or is empty), so a mistyped --out can never wipe out someone's files.
const OutputMarker = ".dip-rendered"

// OutputFile is one file to write below an output directory.
type OutputFile struct {
	// Path is slash-separated and relative to the output directory.
	Path string
	Data []byte
}

// WriteTree replaces the directory out with exactly files. It writes the
// new tree beside out and swaps it into place, so a failure at any point
// leaves out as it was, and files of deleted requests do not linger. It
// refuses to replace a non-empty directory that dip did not write.
func WriteTree(out string, files []OutputFile) error {
	out = filepath.Clean(out)
	if err := checkReplaceable(out); err != nil {
		return err
	}
	parent, base := filepath.Dir(out), filepath.Base(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", parent, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".new-")
	if err != nil {
		return fmt.Errorf("create temporary output directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := writeFiles(tmp, files); err != nil {
		return err
	}
	if err := swapDir(tmp, out); err != nil {
		return fmt.Errorf("move output into %s: %w", out, err)
	}
	return nil
}

func writeFiles(root string, files []OutputFile) error {
	marker := "# This directory is written by dip; every file in it is replaced on each render.\n"
	if err := os.WriteFile(filepath.Join(root, OutputMarker), []byte(marker), 0o644); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	for _, f := range files {
		if !safeRelPath(f.Path) {
			return fmt.Errorf("write output: refusing unsafe path %q", f.Path)
		}
		p := filepath.Join(root, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
	}
	return nil
}

// safeRelPath reports whether p is a clean, relative, slash-separated path
// that stays below the directory it is joined to.
func safeRelPath(p string) bool {
	if p == "" || path.Clean(p) != p || !filepath.IsLocal(filepath.FromSlash(p)) || strings.Contains(p, `\`) {
		return false
	}
	for _, part := range strings.Split(p, "/") {
		if part == OutputMarker || strings.HasPrefix(part, ".") {
			return false
		}
	}
	return true
}

func checkReplaceable(out string) error {
	info, err := os.Lstat(out)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check %s: %w", out, err)
	}
	if !info.IsDir() {
		return fmt.Errorf("refusing to replace %s: it is not a directory", out)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		return fmt.Errorf("check %s: %w", out, err)
	}
	if len(entries) == 0 {
		return nil
	}
	if _, err := os.Lstat(filepath.Join(out, OutputMarker)); err != nil {
		return fmt.Errorf("refusing to replace %s: it is not empty and was not written by dip (no %s file)", out, OutputMarker)
	}
	return nil
}
