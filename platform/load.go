package platform

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/dipdev/dip/internal/parallel"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// File names and directories of a platform repo.
const (
	PlatformFile = "platform.yaml"
	TeamsDir     = "teams"
	RequestsDir  = "requests"
	PoliciesDir  = "policies"
)

// ErrNotPlatformRepo is returned by Load for a directory without
// platform.yaml.
var ErrNotPlatformRepo = errors.New("not a platform repo: platform.yaml not found")

// Source is a platform repo as read from its files, before validation: each
// file parsed as YAML with positions kept. Files that could not be read or
// parsed are left out and reported in Diagnostics.
type Source struct {
	Platform *Document
	// Teams and Requests are sorted by file.
	Teams       []*Document
	Requests    []*Document
	Diagnostics Diagnostics
}

// Load reads the platform repo in fsys. It fails only when fsys is not a
// usable platform repo; problems in single files are diagnostics.
func Load(fsys fs.FS) (*Source, error) { return LoadReusing(fsys, nil) }

// LoadReusing is Load, taking the parsed document of prev for every file
// whose bytes are the same: the two sides of a change share most files.
func LoadReusing(fsys fs.FS, prev *Source) (*Source, error) {
	src := &Source{}
	info, err := fs.Lstat(fsys, PlatformFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, ErrNotPlatformRepo
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", PlatformFile, err)
	case !info.Mode().IsRegular():
		return nil, fmt.Errorf("read %s: not a regular file", PlatformFile)
	}
	var teamFiles, requestFiles []string
	teamFiles, err = src.list(fsys, TeamsDir, 0)
	if err != nil {
		return nil, err
	}
	requestFiles, err = src.list(fsys, RequestsDir, 1)
	if err != nil {
		return nil, err
	}
	docs := parseAll(fsys, append(append([]string{PlatformFile}, teamFiles...), requestFiles...), prev.byFile())
	for i, d := range docs {
		if d.err != nil {
			var diag Diagnostic
			if !errors.As(d.err, &diag) {
				return nil, d.err
			}
			src.Diagnostics = append(src.Diagnostics, diag)
			continue
		}
		switch {
		case i == 0:
			src.Platform = d.doc
		case i <= len(teamFiles):
			src.Teams = append(src.Teams, d.doc)
		default:
			src.Requests = append(src.Requests, d.doc)
		}
	}
	return src, nil
}

// list returns the .yaml files in dir at exactly depth levels of
// subdirectories below it. Anything else that looks like it was meant to be
// read is a diagnostic rather than silently ignored.
func (src *Source) list(fsys fs.FS, dir string, depth int) ([]string, error) {
	var files []string
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipDir
			}
			return fmt.Errorf("read %s: %w", p, err)
		}
		if p == dir {
			if !d.IsDir() {
				src.Diagnostics.Add(Pos{File: p}, "layout", "%s must be a directory", p)
			}
			return nil
		}
		level := strings.Count(p, "/") - strings.Count(dir, "/") - 1
		name := d.Name()
		if strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			src.Diagnostics.Add(Pos{File: p}, "layout", "symbolic links are not followed; put the file itself here")
		case d.IsDir() && level < depth:
			return nil
		case d.IsDir():
			src.Diagnostics.Add(Pos{File: p}, "layout", "unexpected directory; %s", layoutHint(dir))
			return fs.SkipDir
		case path.Ext(name) == ".yml":
			src.Diagnostics.Add(Pos{File: p}, "layout", "use the .yaml extension")
		case path.Ext(name) != ".yaml":
			// READMEs and other notes beside the files are fine.
		case level != depth:
			src.Diagnostics.Add(Pos{File: p}, "layout", "file is not where it is read from; %s", layoutHint(dir))
		case !d.Type().IsRegular():
			src.Diagnostics.Add(Pos{File: p}, "layout", "not a regular file")
		default:
			files = append(files, p)
		}
		return nil
	})
	slices.Sort(files)
	return files, err
}

func layoutHint(dir string) string {
	if dir == TeamsDir {
		return "teams are teams/<team>.yaml"
	}
	return "requests are requests/<team>/<name>.yaml"
}

type parsed struct {
	doc *Document
	err error
}

func (src *Source) byFile() map[string]*Document {
	if src == nil {
		return nil
	}
	m := make(map[string]*Document, 1+len(src.Teams)+len(src.Requests))
	if src.Platform != nil {
		m[src.Platform.File] = src.Platform
	}
	for _, d := range src.Teams {
		m[d.File] = d
	}
	for _, d := range src.Requests {
		m[d.File] = d
	}
	return m
}

// parseAll reads and parses files in parallel, keeping their order. A file
// whose bytes equal those of its document in reuse is not parsed again.
func parseAll(fsys fs.FS, files []string, reuse map[string]*Document) []parsed {
	out := make([]parsed, len(files))
	parallel.For(len(files), func(i int) {
		out[i].doc, out[i].err = readFile(fsys, files[i], reuse[files[i]])
	})
	return out
}

// ReadFile reads and parses one YAML file of the repo, reading no more than
// MaxFileSize bytes of it.
func ReadFile(fsys fs.FS, name string) (*Document, error) { return readFile(fsys, name, nil) }

func readFile(fsys fs.FS, name string, same *Document) (*Document, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if same != nil && bytes.Equal(same.Data, data) {
		return same, nil
	}
	return ParseYAML(name, data)
}
