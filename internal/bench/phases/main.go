// Command phases times validate and render of a repo in memory, apart
// from writing the output, whose cost depends on the disk.
//
//	phases [-cpuprofile FILE] REPO
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/dipdev/dip/app"
)

func main() {
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the render to `file`")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: phases [-cpuprofile FILE] REPO")
		os.Exit(2)
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	t0 := time.Now()
	b, err := app.Render(os.DirFS(flag.Arg(0)))
	pprof.StopCPUProfile()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Printf("validate+render in memory: %v, %d files, %d problems\n", time.Since(t0).Round(time.Millisecond), len(b.Files), len(b.Diagnostics))
}
