package pipeline_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/codemods"
	"github.com/dipdev/dip/internal/bench"
	"github.com/dipdev/dip/platform"
)

// biggerClass is the PostgresDatabase codemod giving every database the
// instance class of the next size up: a migration that changes what the
// database renders, and what the services that use it look up.
func biggerClass(t testing.TB) *codemods.Registry {
	next := map[string]string{"small": "medium", "medium": "large", "large": "large"}
	return registry(t, func(m *codemods.Mapping) error {
		err := m.Rename("size", "instanceClass", func(v any) (any, error) {
			size, _ := v.(string)
			class, ok := platform.InstanceClassOfSize(next[size])
			if !ok {
				return nil, fmt.Errorf("size %v", v)
			}
			return class, nil
		})
		if err != nil {
			return err
		}
		return m.Nest("storage", codemods.Move{Key: "storageGB", As: "sizeGB"})
	})
}

// Migrating with the proofs from the renderers' inputs gives exactly what
// rendering both sides of every comparison gives: the same files, the
// same verdicts, the same rendered diffs, the same diagnostics; with
// migrations that change nothing rendered, with some that do, and with
// requests that cannot be migrated.
func TestMigrateProofMatchesRenderingBoth(t *testing.T) {
	t.Parallel()
	generated := func(t *testing.T) fs.FS {
		if testing.Short() {
			t.Skip("renders 1,000 requests")
		}
		dir := filepath.Join(t.TempDir(), "v1")
		if err := bench.GenerateV1(dir, 1000); err != nil {
			t.Fatal(err)
		}
		return os.DirFS(dir)
	}
	for _, tc := range []struct {
		name string
		fsys func(t *testing.T) fs.FS
		reg  func(t testing.TB) *codemods.Registry
		opt  pipeline.MigrateOptions
	}{
		{name: "template", fsys: func(t *testing.T) fs.FS { return templateV1(t) }},
		{name: "template, one team", fsys: func(t *testing.T) fs.FS { return templateV1(t) }, opt: pipeline.MigrateOptions{Team: "payments"}},
		{name: "template, rendering changes", fsys: func(t *testing.T) fs.FS { return templateV1(t) }, reg: biggerClass},
		{name: "template, requests that cannot be migrated", fsys: func(t *testing.T) fs.FS {
			fsys := templateV1(t)
			edit(t, fsys, "requests/payments/orders-db.yaml", "  size: small\n", "  size: &size small\n")
			edit(t, fsys, "requests/payments/orders-db.yaml", "      size: medium\n", "      size: *size\n")
			return fsys
		}},
		{name: "generated", fsys: generated},
		{name: "generated, rendering changes", fsys: generated, reg: biggerClass},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fsys, opt := tc.fsys(t), tc.opt
			if tc.reg != nil {
				opt.Codemods = tc.reg(t)
			}
			proved, err := pipeline.Migrate(fsys, opt)
			if err != nil {
				t.Fatal(err)
			}
			rendered, err := pipeline.MigrateRenderingAll(fsys, opt)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(rendered, proved); diff != "" {
				t.Errorf("with proofs (+) and rendering both sides (-):\n%s", diff)
			}
			var equivalent, review int
			for _, f := range proved.Files {
				if f.Equivalent {
					equivalent++
				} else {
					review++
				}
			}
			if len(proved.Files) == 0 || (tc.reg != nil) != (review > 0) {
				t.Errorf("%d files migrated, %d equivalent, %d to review", len(proved.Files), equivalent, review)
			}
		})
	}
}
