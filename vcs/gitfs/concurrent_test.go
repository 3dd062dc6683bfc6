package gitfs_test

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"sync"
	"testing"

	"github.com/dipdev/dip/vcs/gitfs"
)

// TestConcurrentReads reads one repository from many goroutines, through two
// trees, while its changes are computed; run it with -race. It reads loose
// objects first, then the same objects packed.
func TestConcurrentReads(t *testing.T) {
	dir := t.TempDir()
	run(t, dir, "init", "-q", "-b", "main")
	want := map[string]string{}
	for i := range 60 {
		p := fmt.Sprintf("requests/team%d/r%d.yaml", i%6, i)
		want[p] = strings.Repeat(fmt.Sprintf("line %d\n", i), 50+i)
		write(t, dir, p, want[p])
	}
	big := strings.Repeat("big file\n", 300_000)
	write(t, dir, "big.txt", big)
	run(t, dir, "add", "-A")
	run(t, dir, "commit", "-q", "-m", "first")
	write(t, dir, "requests/team0/r0.yaml", "changed\n")
	run(t, dir, "add", "-A")
	run(t, dir, "commit", "-q", "-m", "second")
	for _, packed := range []bool{false, true} {
		if packed {
			run(t, dir, "gc", "-q")
		}
		t.Run(fmt.Sprintf("packed=%v", packed), func(t *testing.T) {
			r, err := gitfs.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			first, err := gitfs.Resolve(r, "HEAD~1")
			if err != nil {
				t.Fatal(err)
			}
			head, err := gitfs.Resolve(r, "HEAD")
			if err != nil {
				t.Fatal(err)
			}
			f, err := gitfs.New(r, first)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					for p, body := range want {
						if data, err := fs.ReadFile(f, p); err != nil || string(data) != body {
							t.Errorf("concurrent ReadFile(%s) = %d bytes, %v", p, len(data), err)
							return
						}
						if _, err := fs.ReadDir(f, path.Dir(p)); err != nil {
							t.Error(err)
							return
						}
					}
					if g%2 == 0 {
						readInterleaved(t, f, big)
					}
				})
			}
			wg.Go(func() {
				sub, err := fs.Sub(f, "requests")
				if err == nil {
					err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
						if err == nil && !d.IsDir() {
							_, err = d.Info()
						}
						return err
					})
				}
				if err != nil {
					t.Error(err)
				}
			})
			wg.Go(func() {
				other, err := gitfs.New(r, head)
				if err == nil {
					_, err = fs.ReadFile(other, "requests/team0/r0.yaml")
				}
				if err == nil {
					_, err = gitfs.ChangedFiles(r, first, head)
				}
				if err != nil {
					t.Error(err)
				}
			})
			wg.Wait()
		})
	}
}

// readInterleaved reads the big file through two open files in turn, so
// that two streams of the same blob are open at once.
func readInterleaved(t *testing.T, f fs.FS, want string) {
	var files [2]fs.File
	var got [2]bytes.Buffer
	for i := range files {
		file, err := f.Open("big.txt")
		if err != nil {
			t.Error(err)
			return
		}
		defer file.Close()
		files[i] = file
	}
	buf := make([]byte, 4096)
	for done := 0; done < 2; {
		done = 0
		for i, file := range files {
			n, err := file.Read(buf)
			got[i].Write(buf[:n])
			if err == io.EOF {
				done++
			} else if err != nil {
				t.Error(err)
				return
			}
		}
	}
	for i := range got {
		if got[i].String() != want {
			t.Errorf("interleaved read %d: %d bytes, want %d", i, got[i].Len(), len(want))
		}
	}
}
