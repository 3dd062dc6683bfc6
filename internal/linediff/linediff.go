// Package linediff compares texts line by line and writes the differences
// as a unified diff that git apply and patch -p1 accept.
package linediff

import (
	"bytes"
	"fmt"
	"strings"
)

// Context is how many unchanged lines a hunk shows around a change.
const Context = 3

// maxEdits bounds the search for the shortest edit: past it the texts are
// treated as wholly different, which keeps the time and memory of two
// unrelated large files bounded (the diff is still exact, only longer).
const maxEdits = 2000

// Op is one line of a comparison: kept, removed from the first text or
// added by the second.
type Op struct {
	Kind OpKind
	// Line is the line's text with its line break.
	Line string
}

// OpKind says what an Op does with its line.
type OpKind byte

const (
	Keep   OpKind = ' '
	Remove OpKind = '-'
	Add    OpKind = '+'
)

// Lines splits text into lines, each with its line break (the last line
// may lack one).
func Lines(text []byte) []string {
	var out []string
	for len(text) > 0 {
		i := bytes.IndexByte(text, '\n')
		if i < 0 {
			out = append(out, string(text))
			break
		}
		out = append(out, string(text[:i+1]))
		text = text[i+1:]
	}
	return out
}

// Compare returns a shortest sequence of line operations that turns a
// into b (Myers' algorithm).
func Compare(a, b []string) []Op {
	// Common prefix and suffix first: migrations change few lines.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []Op
	for _, l := range a[:pre] {
		ops = append(ops, Op{Keep, l})
	}
	ops = append(ops, middle(a[pre:len(a)-suf], b[pre:len(b)-suf])...)
	for _, l := range a[len(a)-suf:] {
		ops = append(ops, Op{Keep, l})
	}
	return ops
}

func middle(a, b []string) []Op {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return replaceAll(a, b)
	}
	offset := n + m
	v := make([]int, 2*offset+2)
	// trace[d] holds v[offset-d-1 : offset+d+2] as it was before step d:
	// all that backtracking reads of it.
	var trace [][]int
	for d := 0; d <= n+m; d++ {
		if d > maxEdits {
			return replaceAll(a, b)
		}
		lo, hi := max(offset-d-1, 0), min(offset+d+2, len(v))
		trace = append(trace, append([]int(nil), v[lo:hi]...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[offset+k-1] < v[offset+k+1]) {
				x = v[offset+k+1]
			} else {
				x = v[offset+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[offset+k] = x
			if x >= n && y >= m {
				return backtrack(a, b, trace, offset, d)
			}
		}
	}
	return replaceAll(a, b)
}

func backtrack(a, b []string, trace [][]int, offset, d int) []Op {
	// Each step d moved from diagonal prevK of step d-1, as recorded.
	var rev []Op
	x, y := len(a), len(b)
	for ; d > 0; d-- {
		base := max(offset-d-1, 0)
		at := func(k int) int { return trace[d][offset+k-base] }
		k := x - y
		var prevK int
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := at(prevK)
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			x, y = x-1, y-1
			rev = append(rev, Op{Keep, a[x]})
		}
		if x == prevX {
			y--
			rev = append(rev, Op{Add, b[y]})
		} else {
			x--
			rev = append(rev, Op{Remove, a[x]})
		}
	}
	for x > 0 && y > 0 {
		x, y = x-1, y-1
		rev = append(rev, Op{Keep, a[x]})
	}
	ops := make([]Op, len(rev))
	for i, op := range rev {
		ops[len(rev)-1-i] = op
	}
	return ops
}

func replaceAll(a, b []string) []Op {
	ops := make([]Op, 0, len(a)+len(b))
	for _, l := range a {
		ops = append(ops, Op{Remove, l})
	}
	for _, l := range b {
		ops = append(ops, Op{Add, l})
	}
	return ops
}

// Unified returns the unified diff that turns a, the file from, into b,
// the file to, with Context lines of context: the headers --- from and
// +++ to, then its hunks. Names are written as given (such as
// a/requests/x.yaml). Equal texts give "".
func Unified(from, to string, a, b []byte) string {
	if bytes.Equal(a, b) {
		return ""
	}
	ops := Compare(Lines(a), Lines(b))
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", from, to)
	for _, h := range hunks(ops) {
		writeHunk(&out, ops[h.start:h.end], h.aLine, h.bLine)
	}
	return out.String()
}

type hunk struct {
	start, end   int // ops[start:end]
	aLine, bLine int // line numbers, from 1, of the first op's lines
}

// hunks groups the changed ops with their context; changes closer than
// twice the context share a hunk.
func hunks(ops []Op) []hunk {
	var out []hunk
	aLine, bLine := 1, 1
	lines := make([][2]int, len(ops)) // line numbers before each op
	for i, op := range ops {
		lines[i] = [2]int{aLine, bLine}
		if op.Kind != Add {
			aLine++
		}
		if op.Kind != Remove {
			bLine++
		}
	}
	for i := 0; i < len(ops); {
		if ops[i].Kind == Keep {
			i++
			continue
		}
		start := max(i-Context, 0)
		end := i
		for end < len(ops) {
			if ops[end].Kind != Keep {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].Kind == Keep {
				run++
			}
			if run == len(ops) || run-end > 2*Context {
				end = min(end+Context, len(ops))
				break
			}
			end = run
		}
		out = append(out, hunk{start: start, end: end, aLine: lines[start][0], bLine: lines[start][1]})
		i = end
	}
	return out
}

func writeHunk(out *strings.Builder, ops []Op, aLine, bLine int) {
	aCount, bCount := 0, 0
	for _, op := range ops {
		if op.Kind != Add {
			aCount++
		}
		if op.Kind != Remove {
			bCount++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", rangeOf(aLine, aCount), rangeOf(bLine, bCount))
	for _, op := range ops {
		out.WriteByte(byte(op.Kind))
		out.WriteString(op.Line)
		if !strings.HasSuffix(op.Line, "\n") {
			out.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// rangeOf writes a hunk's range as diff does: an empty range starts at
// the line before it.
func rangeOf(line, count int) string {
	switch count {
	case 0:
		return fmt.Sprintf("%d,0", line-1)
	case 1:
		return fmt.Sprint(line)
	}
	return fmt.Sprintf("%d,%d", line, count)
}
