package pipeline_test

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/internal/bench"
	"github.com/dipdev/dip/platform"
)

func TestGeneratedRepoIsValid(t *testing.T) {
	dir := t.TempDir()
	if err := bench.Generate(dir, 300); err != nil {
		t.Fatal(err)
	}
	b, err := pipeline.Render(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range b.Diagnostics {
		t.Errorf("generated repo: %v", d)
	}
	if len(b.Repo.Requests) != 300 {
		t.Errorf("valid requests = %d, want 300", len(b.Repo.Requests))
	}
	if len(b.Files) == 0 {
		t.Error("generated repo rendered no files")
	}
}

func generated(b *testing.B, n int) fs.FS {
	b.Helper()
	dir := b.TempDir()
	if err := bench.Generate(dir, n); err != nil {
		b.Fatal(err)
	}
	return os.DirFS(dir)
}

// BenchmarkFloor only reads and YAML-parses the repo: the least any engine
// must do, and the baseline the others are compared with.
func BenchmarkFloor(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		fsys := generated(b, n)
		b.Run(fmt.Sprintf("requests=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := platform.Load(fsys); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkValidate(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		fsys := generated(b, n)
		b.Run(fmt.Sprintf("requests=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := pipeline.Validate(fsys); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRender(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		fsys := generated(b, n)
		b.Run(fmt.Sprintf("requests=%d", n), func(b *testing.B) {
			for b.Loop() {
				r, err := pipeline.Render(fsys)
				if err != nil || len(r.Diagnostics) > 0 {
					b.Fatal(err, r.Diagnostics)
				}
			}
		})
	}
}

func generatedV1(b *testing.B, n int) fs.FS {
	b.Helper()
	dir := b.TempDir()
	if err := bench.GenerateV1(dir, n); err != nil {
		b.Fatal(err)
	}
	return os.DirFS(dir)
}

// BenchmarkMigrate migrates a repo whose requests are all on dip/v1, with
// BenchmarkMigrate/validate, validating the same repo, as its baseline:
// migrate proves from the renderers' inputs that no rendering changes;
// render-both renders both sides of every comparison instead (what migrate
// did before the proofs); changing migrates with a codemod that changes
// what every database renders, so that the databases and the services
// that use them are rendered and compared.
func BenchmarkMigrate(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		fsys := generatedV1(b, n)
		b.Run(fmt.Sprintf("validate/requests=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := pipeline.Validate(fsys); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("migrate/requests=%d", n), func(b *testing.B) {
			for b.Loop() {
				m, err := pipeline.Migrate(fsys, pipeline.MigrateOptions{})
				if err != nil || len(m.Diagnostics) > 0 || len(m.Files) == 0 {
					b.Fatal(err, m.Diagnostics)
				}
			}
		})
		b.Run(fmt.Sprintf("render-both/requests=%d", n), func(b *testing.B) {
			for b.Loop() {
				m, err := pipeline.MigrateRenderingAll(fsys, pipeline.MigrateOptions{})
				if err != nil || len(m.Diagnostics) > 0 || len(m.Files) == 0 {
					b.Fatal(err, m.Diagnostics)
				}
			}
		})
		changing := pipeline.MigrateOptions{Codemods: biggerClass(b)}
		b.Run(fmt.Sprintf("changing/requests=%d", n), func(b *testing.B) {
			for b.Loop() {
				m, err := pipeline.Migrate(fsys, changing)
				if err != nil || len(m.Diagnostics) > 0 || len(m.Files) == 0 {
					b.Fatal(err, m.Diagnostics)
				}
			}
		})
	}
}

// BenchmarkCheckChange checks a change of one request against its base
// with a warm fact index, as dip serve and dip check --base do: the part
// of a check that grows with the repo. Compare each size with the
// smallest.
func BenchmarkCheckChange(b *testing.B) {
	for _, n := range []int{100, 10000} {
		b.Run(fmt.Sprintf("requests=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			if err := bench.Generate(dir, n); err != nil {
				b.Fatal(err)
			}
			base := os.DirFS(dir)
			var target string
			_ = fs.WalkDir(base, "requests", func(p string, d fs.DirEntry, err error) error {
				if err == nil && target == "" && strings.Contains(p, "/queue-") {
					target = p
				}
				return nil
			})
			data, err := fs.ReadFile(base, target)
			if err != nil {
				b.Fatal(err)
			}
			head := &overlay{FS: base, file: target, data: append(data, "# changed\n"...)}
			baseBlobs, headBlobs := hashBlobs(b, base), hashBlobs(b, head)
			opt := pipeline.CheckOptions{Head: head, Base: base, Bundle: os.DirFS("testdata/bundle"), Today: "2026-06-01",
				Facts: pipeline.NewFactIndex(), HeadBlobs: headBlobs, BaseBlobs: baseBlobs}
			// The first check learns the facts of every file.
			if _, err := pipeline.Check(b.Context(), opt); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				run, err := pipeline.Check(b.Context(), opt)
				if err != nil || run.Report.Failed() {
					b.Fatal(err, run.Report)
				}
			}
		})
	}
}

// overlay is a file system with one file's content replaced.
type overlay struct {
	fs.FS
	file string
	data []byte
}

func (o *overlay) Open(name string) (fs.File, error) {
	if name != o.file {
		return o.FS.Open(name)
	}
	return fstest.MapFS{name: {Data: o.data, Mode: 0o644}}.Open(name)
}

func (o *overlay) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(o.FS, name) }

// hashBlobs gives every file of fsys its content's hash as id.
func hashBlobs(b *testing.B, fsys fs.FS) pipeline.Blobs {
	b.Helper()
	out := pipeline.Blobs{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		sum := sha256.Sum256(data)
		out[p] = string(sum[:])
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return out
}
