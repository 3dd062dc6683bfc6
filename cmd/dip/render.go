package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"
)

func renderCmd(g *globals) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "render",
		Short: "Render every request into Terraform and Kubernetes manifests",
		Long: "render validates the repo and renders every request into\n" +
			"<out>/<environment>/<team>/<name>/{terraform,kubernetes}/. The output\n" +
			"directory is replaced as a whole, so files of deleted requests disappear;\n" +
			"when anything is invalid nothing is written and the exit code is 1.\n" +
			"The default output is the repo's output path from platform.yaml (rendered).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := g.validated()
			if err != nil {
				return err
			}
			if b.Diagnostics.HasErrors() {
				return report(cmd.OutOrStdout(), g.format, b, nil)
			}
			dir := out
			if dir == "" {
				rel := filepath.FromSlash(b.Repo.Platform.Output.Path)
				if !filepath.IsLocal(rel) {
					return &exitErr{code: exitError, err: fmt.Errorf("%s: spec.output.path %q must be a relative path inside the repo", b.Repo.Platform.File, b.Repo.Platform.Output.Path)}
				}
				dir = filepath.Join(g.repo, rel)
			}
			if err := b.RenderInto(dir); err != nil {
				return &exitErr{code: exitError, err: err}
			}
			if b.Diagnostics.HasErrors() {
				return report(cmd.OutOrStdout(), g.format, b, nil)
			}
			rr := &renderReport{Dir: dir, Files: make([]renderedFile, len(b.Files))}
			for i, f := range b.Files {
				rr.Files[i] = renderedFile{Path: f.Path, Source: f.Source, Environment: f.Env}
			}
			return report(cmd.OutOrStdout(), g.format, b, rr)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "output directory (default <repo>/rendered)")
	return cmd
}
