package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/internal/linediff"
	"github.com/dipdev/dip/platform"
)

func migrateCmd(g *globals) *cobra.Command {
	var write bool
	var opt pipeline.MigrateOptions
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Move requests on deprecated blueprint versions to the newest, with codemods",
		Long: "migrate applies the pending codemods to every request on a deprecated blueprint\n" +
			"version and says for each file whether the rendered infrastructure stays the\n" +
			"same: proved from what the renderers read before and after, or else by\n" +
			"rendering both in memory and comparing the bytes. Without --write it prints a\n" +
			"unified diff of every file (git apply and patch -p1 take it) and changes\n" +
			"nothing; with --write it writes the files, each atomically. Comments, key order,\n" +
			"quoting and every untouched line stay as they are. Exit code 1 when a request\n" +
			"cannot be migrated safely (it is left as it is) or a migration changes what is\n" +
			"rendered; 2 for a usage error or a file that could not be written.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := g.checkFormat("text", "json"); err != nil {
				return err
			}
			if opt.Kind != "" && len(platform.Versions(opt.Kind)) == 0 {
				var kinds []string
				for _, k := range platform.Kinds() {
					if !slices.Contains(kinds, k.Name) {
						kinds = append(kinds, k.Name)
					}
				}
				return usageError("--kind %q: no such kind; kinds are %s", opt.Kind, strings.Join(kinds, ", "))
			}
			dir, err := g.repoFS()
			if err != nil {
				return err
			}
			m, err := pipeline.Migrate(os.DirFS(dir), opt)
			if err != nil {
				return &exitErr{code: exitError, err: fmt.Errorf("%s: %w", dir, err)}
			}
			var writeErr error
			if write {
				// Each file is replaced atomically; a failure stops the
				// writing, and the report lists the files written.
				for i, f := range m.Files {
					if writeErr = writeMigrated(dir, f); writeErr != nil {
						m.Files = m.Files[:i]
						break
					}
				}
			}
			r := newMigrateReport(m, write)
			r.picked = opt.Kind != "" || opt.Team != ""
			if g.format == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(r); err != nil {
					return err
				}
			} else {
				printMigration(cmd.OutOrStdout(), r)
			}
			switch {
			case writeErr != nil:
				return &exitErr{code: exitError, err: writeErr}
			case r.Summary.Failed > 0 || r.Summary.Review > 0:
				return errFindings
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&write, "write", false, "write the migrated files (default: print the diff and change nothing)")
	cmd.Flags().StringVar(&opt.Kind, "kind", "", "migrate only requests of this kind, such as PostgresDatabase")
	cmd.Flags().StringVar(&opt.Team, "team", "", "migrate only requests of this team")
	cmd.Flags().BoolVar(&opt.RenderBoth, "render-both", false, "render every migrated request before and after and compare the bytes, instead of proving equivalence from what the renderers read (slower, same answer)")
	return cmd
}

// migrateReport is the JSON form of dip migrate: every file the
// migration changes (written or, without --write, to be written), with its
// diff, and every request that cannot be migrated.
type migrateReport struct {
	Written     bool                 `json:"written"`
	Files       []migrateFile        `json:"files"`
	Diagnostics platform.Diagnostics `json:"diagnostics"`
	Summary     migrateSummary       `json:"summary"`
	// picked is set when --kind or --team picked some requests.
	picked bool
}

type migrateFile struct {
	Path     string   `json:"path"`
	Team     string   `json:"team"`
	Kind     string   `json:"kind"`
	Name     string   `json:"name"`
	From     string   `json:"from"`
	To       string   `json:"to"`
	Codemods []string `json:"codemods"`
	// Equivalent is true when the rendered infrastructure stays byte for
	// byte the same; RenderDiff is its unified diff when it does not.
	Equivalent bool   `json:"equivalent"`
	Diff       string `json:"diff"`
	RenderDiff string `json:"renderDiff"`
}

type migrateSummary struct {
	// Migrated counts the files in Files, Equivalent and Review those
	// whose rendering stays the same and changes, Failed the requests in
	// Diagnostics.
	Migrated   int `json:"migrated"`
	Equivalent int `json:"equivalent"`
	Review     int `json:"review"`
	Failed     int `json:"failed"`
}

func newMigrateReport(m *pipeline.Migration, written bool) migrateReport {
	r := migrateReport{Written: written, Files: []migrateFile{}, Diagnostics: m.Diagnostics}
	if r.Diagnostics == nil {
		r.Diagnostics = platform.Diagnostics{}
	}
	for _, f := range m.Files {
		r.Files = append(r.Files, migrateFile{
			Path: f.Path, Team: f.Team, Kind: f.Kind, Name: f.Name, From: f.From, To: f.To, Codemods: f.Codemods,
			Equivalent: f.Equivalent, RenderDiff: f.RenderDiff, Diff: fileDiff(f),
		})
		if f.Equivalent {
			r.Summary.Equivalent++
		} else {
			r.Summary.Review++
		}
	}
	r.Summary.Migrated = len(m.Files)
	files := map[string]bool{}
	for _, d := range m.Diagnostics {
		files[d.File] = true
	}
	r.Summary.Failed = len(files)
	return r
}

// fileDiff is the git-style unified diff of one migrated file.
func fileDiff(f pipeline.MigratedFile) string {
	return fmt.Sprintf("diff --git a/%s b/%s\n", f.Path, f.Path) + linediff.Unified("a/"+f.Path, "b/"+f.Path, f.Before, f.After)
}

// printMigration prints, for each file, a line saying what migrates it
// and whether the rendering stays the same, then its diff; the output
// without --write is a patch that git apply and patch -p1 take (the other
// lines are commentary they skip). What cannot be migrated follows, as
// file:line:column: message lines, then a summary.
func printMigration(w io.Writer, r migrateReport) {
	for _, f := range r.Files {
		verdict := "no change to rendered infrastructure"
		if !f.Equivalent {
			verdict = "CHANGES THE RENDERED INFRASTRUCTURE; review the rendered diff below"
		}
		action := "migrates"
		if r.Written {
			action = "migrated"
		}
		fmt.Fprintf(w, "%s: %s %s %s → %s (%s): %s\n", f.Path, action, f.Kind+" "+f.Name, f.From, f.To, strings.Join(f.Codemods, ", "), verdict)
		if !f.Equivalent {
			for _, line := range strings.SplitAfter(strings.TrimSuffix(f.RenderDiff, "\n"), "\n") {
				fmt.Fprintf(w, "#   %s", strings.TrimSuffix(line, "\n")+"\n")
			}
		}
		if !r.Written {
			io.WriteString(w, f.Diff)
		}
	}
	for _, d := range r.Diagnostics {
		fmt.Fprintf(w, "%s: %s [%s]\n", d.Pos, d.Message, d.Rule)
	}
	s := r.Summary
	if len(r.Files)+len(r.Diagnostics) > 0 {
		fmt.Fprintln(w)
	}
	switch {
	case s.Migrated == 0 && s.Failed == 0:
		which := "every request"
		if r.picked {
			which = "every request picked"
		}
		fmt.Fprintf(w, "Nothing to migrate: %s is on the newest version of its blueprint.\n", which)
		return
	case s.Migrated > 0:
		verb := "to migrate"
		if r.Written {
			verb = "migrated"
		}
		fmt.Fprintf(w, "%s %s: %d with no change to rendered infrastructure, %d to review.", plural(s.Migrated, "request"), verb, s.Equivalent, s.Review)
		if !r.Written {
			fmt.Fprint(w, " Nothing was written; run dip migrate --write to write them.")
		}
		fmt.Fprintln(w)
	}
	if s.Failed > 0 {
		fmt.Fprintf(w, "%s not migrated; each is left as it is.\n", plural(s.Failed, "file"))
	}
}

// writeMigrated replaces the file of f in dir with f.After, atomically:
// the new bytes go to a temporary file beside it, with the file's mode,
// which is then renamed over it. A file that changed since it was read is
// left alone.
func writeMigrated(dir string, f pipeline.MigratedFile) error {
	p := filepath.Join(dir, filepath.FromSlash(f.Path))
	info, err := os.Lstat(p)
	if err != nil {
		return fmt.Errorf("write %s: %w", f.Path, err)
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("write %s: not a regular file", f.Path)
	}
	current, err := os.ReadFile(p)
	if err != nil {
		return fmt.Errorf("write %s: %w", f.Path, err)
	}
	if !bytes.Equal(current, f.Before) {
		return fmt.Errorf("write %s: the file changed while it was migrated; run dip migrate again", f.Path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".dip-migrate-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", f.Path, err)
	}
	defer os.Remove(tmp.Name()) // after the rename there is nothing left to remove
	_, err = tmp.Write(f.After)
	if err == nil {
		err = tmp.Chmod(info.Mode().Perm())
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", f.Path, err)
	}
	return nil
}
