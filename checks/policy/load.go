package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/loader"
)

// MaxPolicyFileSize bounds one policy or data file.
const MaxPolicyFileSize = 1 << 20

// LoadFS reads the Rego modules below dir in fsys, as `conftest test
// --policy dir` would, and the data documents (.json, .yaml, .yml) below
// it, as `--data dir` would. A missing dir holds nothing.
func LoadFS(fsys fs.FS, dir string) ([]Module, map[string]any, error) {
	var modules []Module
	var dataFiles []string
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipDir
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: policies must be regular files, not links", p)
		}
		ext := path.Ext(p)
		if ext != ".rego" && ext != ".json" && ext != ".yaml" && ext != ".yml" {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Size() > MaxPolicyFileSize {
			return fmt.Errorf("%s: file is too large (%d bytes; the limit is %d)", p, info.Size(), MaxPolicyFileSize)
		}
		switch ext {
		case ".rego":
			src, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			modules = append(modules, Module{Path: p, Source: src})
		case ".json", ".yaml", ".yml":
			dataFiles = append(dataFiles, p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read policies: %w", err)
	}
	slices.SortFunc(modules, func(a, b Module) int { return strings.Compare(a.Path, b.Path) })
	data := map[string]any{}
	if len(dataFiles) > 0 {
		res, err := loader.NewFileLoader().WithFS(fsys).Filtered([]string{dir}, func(_ string, info os.FileInfo, _ int) bool {
			if info.IsDir() {
				return false
			}
			switch path.Ext(info.Name()) {
			case ".json", ".yaml", ".yml":
				return false
			}
			return true
		})
		if err != nil {
			return nil, nil, fmt.Errorf("read policy data: %w", err)
		}
		data = res.Documents
	}
	return modules, data, nil
}
