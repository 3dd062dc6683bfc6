package pipeline_test

import (
	"fmt"
	"io/fs"
	"os"
	"testing"

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
// BenchmarkMigrate/validate, validating the same repo, as its baseline.
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
	}
}
