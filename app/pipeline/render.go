package pipeline

import (
	"cmp"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/dipdev/dip/renderers"
)

// RenderInto renders b's valid requests straight into a new output tree
// that replaces dir. Render workers hand their files to writers, so
// rendering and writing overlap and no more than a few requests' files are
// in memory at once; b.Files keeps each file's path, source and
// environment, without its contents. When a request cannot be rendered the
// new tree is thrown away, dir is left as it was, and the problem is added
// to b.Diagnostics. The error is for the output directory itself.
// Warnings in b.Diagnostics do not stop the tree from being written.
func (b *Build) RenderInto(dir string) error {
	w, err := NewTreeWriter(dir)
	if err != nil {
		return err
	}
	defer w.Abort()
	type result struct {
		i     int
		files []renderers.File
		err   error
	}
	reqs := b.Repo.Requests
	results := make(chan result, 2*runtime.GOMAXPROCS(0))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				files, err := renderers.Request(b.Repo, reqs[i])
				results <- result{i, files, err}
			}
		})
	}
	// Writers take each request's files as it is rendered. Creating files
	// is mostly kernel time, which one writer cannot spread over the cores
	// once rendering is done; writers write to distinct files.
	var (
		mu       sync.Mutex
		writeErr error
		failed   atomic.Bool // writeErr is set: write no more
		writers  sync.WaitGroup
	)
	b.Files = b.Files[:0]
	for range runtime.GOMAXPROCS(0) {
		writers.Go(func() {
			for r := range results {
				if r.err != nil {
					mu.Lock()
					b.Diagnostics = append(b.Diagnostics, renderers.Problem(reqs[r.i], r.err))
					mu.Unlock()
					continue
				}
				var err error
				for i := range r.files {
					if err == nil && !failed.Load() {
						err = w.Write(r.files[i].Path, r.files[i].Data)
					}
					r.files[i].Data = nil
				}
				mu.Lock()
				if writeErr == nil && err != nil {
					writeErr = err
					failed.Store(true)
				}
				b.Files = append(b.Files, r.files...)
				mu.Unlock()
			}
		})
	}
	// This goroutine feeds the render workers; when they are done the
	// writers finish what is left.
	for i := range reqs {
		next <- i
	}
	close(next)
	wg.Wait()
	close(results)
	writers.Wait()
	slices.SortFunc(b.Files, func(x, y renderers.File) int { return cmp.Compare(x.Path, y.Path) })
	b.Diagnostics.Sort()
	if writeErr != nil {
		return writeErr
	}
	if b.Diagnostics.HasErrors() {
		return nil
	}
	return w.Commit()
}
