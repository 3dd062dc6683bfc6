package pipeline

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/checks/scan"
	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers"
)

// DefaultScanner is the dip/scan check: gitleaks over the requests in
// scope, and the platform's external scanners over their rendered files,
// written for them to a temporary directory.
func DefaultScanner() Scanner {
	return func(ctx context.Context, plat *platform.Platform, requests []*platform.Document, files []renderers.File) checks.Result {
		secrets, err := scan.NewSecrets()
		if err != nil {
			return neutral(checks.Result{Name: checks.Scan}, "The secret scanner could not start", err)
		}
		in := scan.Input{Scanners: plat.Scanners}
		docs := map[string]*platform.Document{}
		for _, d := range requests {
			in.Requests = append(in.Requests, scan.File{Path: d.File, Data: d.Data})
			docs[d.File] = d
		}
		if len(plat.Scanners) > 0 && len(files) > 0 {
			dir, err := os.MkdirTemp("", "dip-scan-")
			if err != nil {
				return neutral(checks.Result{Name: checks.Scan}, "Rendered files could not be written for the scanners", err)
			}
			defer os.RemoveAll(dir)
			byPath := map[string]renderers.File{}
			byDir := map[string]renderers.File{} // <env>/<team>/<name>
			out := make([]OutputFile, len(files))
			for i, f := range files {
				out[i] = OutputFile{Path: f.Path, Data: f.Data}
				byPath[f.Path] = f
				byDir[requestDir(f.Path)] = f
			}
			tree := dir + "/rendered"
			if err := WriteTree(tree, out); err != nil {
				return neutral(checks.Result{Name: checks.Scan}, "Rendered files could not be written for the scanners", err)
			}
			in.RenderedDir = tree
			in.MapBack = func(rendered string, _ int) (platform.Pos, string, bool) {
				f, ok := byPath[rendered]
				if !ok {
					// A finding on a directory or another file of a
					// request's output still belongs to that request.
					f, ok = byDir[requestDir(rendered)]
				}
				if !ok || docs[f.Source] == nil {
					return platform.Pos{}, "", false
				}
				n, _ := platform.Deepest(docs[f.Source].Root, "spec")
				return platform.PosOf(f.Source, n), f.Env, true
			}
		}
		res := scan.Run(ctx, secrets, in)
		if len(plat.Scanners) == 0 {
			res.Summary += fmt.Sprintf("\nNo external scanners are configured in %s (spec.scanners).\n", platform.PlatformFile)
		}
		return res
	}
}

// requestDir is the <env>/<team>/<name> part of a rendered path.
func requestDir(rendered string) string {
	parts := strings.SplitN(rendered, "/", 4)
	if len(parts) < 3 {
		return ""
	}
	return strings.Join(parts[:3], "/")
}
