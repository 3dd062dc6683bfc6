package main

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/platform"
)

func validateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "validate",
		Short: "Check every request against its schema and the rest of the repo",
		Long: "validate checks platform.yaml, teams and every request against the schema of\n" +
			"its kind and against each other (unknown team, duplicate name, bad reference).\n" +
			"Each problem is printed as file:line:column: message. Exit code 1 when any\n" +
			"problem is found.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := g.validated()
			if err != nil {
				return err
			}
			return report(cmd.OutOrStdout(), g.format, b, nil)
		},
	}
}

// validated checks the format flag and validates the repo, as validate
// and render both begin.
func (g *globals) validated() (*pipeline.Build, error) {
	if err := g.checkFormat("text", "json"); err != nil {
		return nil, err
	}
	return g.load(pipeline.Validate)
}

// load runs step over the repo, mapping an unusable repo to exit code 2.
func (g *globals) load(step func(fs.FS) (*pipeline.Build, error)) (*pipeline.Build, error) {
	dir, err := g.repoFS()
	if err != nil {
		return nil, err
	}
	b, err := step(os.DirFS(dir))
	if err != nil {
		return nil, &exitErr{code: exitError, err: fmt.Errorf("%s: %w", dir, err)}
	}
	return b, nil
}

// buildReport is the JSON form of validate and render. Valid is false
// when any diagnostic is an error; warnings leave it true.
type buildReport struct {
	Valid       bool                 `json:"valid"`
	Teams       int                  `json:"teams"`
	Requests    int                  `json:"requests"`
	Diagnostics platform.Diagnostics `json:"diagnostics"`
	Output      *renderReport        `json:"output,omitempty"`
}

type renderReport struct {
	Dir   string         `json:"dir"`
	Files []renderedFile `json:"files"`
}

type renderedFile struct {
	Path        string `json:"path"`
	Source      string `json:"source"`
	Environment string `json:"environment"`
}

// report prints b, and rendered when files were written, and returns
// errFindings when b has errors; warnings alone pass.
func report(w io.Writer, format string, b *pipeline.Build, rendered *renderReport) error {
	r := buildReport{
		Valid:       !b.Diagnostics.HasErrors(),
		Teams:       len(b.Source.Teams),
		Requests:    len(b.Source.Requests),
		Diagnostics: b.Diagnostics,
		Output:      rendered,
	}
	if r.Diagnostics == nil {
		r.Diagnostics = platform.Diagnostics{}
	}
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return err
		}
	} else {
		printText(w, r)
	}
	if !r.Valid {
		return errFindings
	}
	return nil
}

func printText(w io.Writer, r buildReport) {
	for _, d := range r.Diagnostics {
		level := ""
		if d.IsWarning() {
			level = "warning: "
		}
		fmt.Fprintf(w, "%s: %s%s [%s]\n", d.Pos, level, d.Message, d.Rule)
	}
	warnings := ""
	if n := len(r.Diagnostics.Warnings()); n > 0 {
		warnings = fmt.Sprintf(", %s", plural(n, "warning"))
	}
	if !r.Valid {
		errs := r.Diagnostics.Errors()
		files := map[string]bool{}
		for _, d := range errs {
			files[d.File] = true
		}
		fmt.Fprintf(w, "\n%s in %s%s; nothing was rendered.\n", plural(len(errs), "problem"), plural(len(files), "file"), warnings)
		return
	}
	if warnings != "" {
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%s of %s valid%s.\n", plural(r.Requests, "request"), plural(r.Teams, "team"), warnings)
	if r.Output != nil {
		fmt.Fprintf(w, "Rendered %s into %s\n", plural(len(r.Output.Files), "file"), r.Output.Dir)
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
