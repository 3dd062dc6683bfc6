// Command phases times validate and render of a repo in memory, apart
// from writing the output, whose cost depends on the disk.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/dipdev/dip/app"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: phases REPO")
		os.Exit(2)
	}
	t0 := time.Now()
	b, err := app.Render(os.DirFS(os.Args[1]))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Printf("validate+render in memory: %v, %d files, %d problems\n", time.Since(t0).Round(time.Millisecond), len(b.Files), len(b.Diagnostics))
}
