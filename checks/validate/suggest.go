package validate

import (
	"fmt"
	"slices"
	"strings"
)

// suggestion returns ` (did you mean "x"?)` for the candidate closest to
// got, when one is close enough to be a likely typo, else "".
func suggestion(got any, candidates []string) string {
	s, ok := got.(string)
	if !ok || s == "" {
		return ""
	}
	if best := closest(s, candidates); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

// closest returns the candidate nearest to s by edit distance, ignoring
// case, if it is within a third of the length of s (at least 1), else "".
func closest(s string, candidates []string) string {
	candidates = slices.Clone(candidates)
	slices.Sort(candidates)
	best, bestDist := "", max(1, len([]rune(s))/3)+1
	for _, c := range candidates {
		if c == s {
			continue
		}
		if len(s) >= 3 && strings.HasPrefix(strings.ToLower(c), strings.ToLower(s)) {
			return c
		}
		if d := distance(strings.ToLower(s), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b, in runes, with a
// transposition of two neighbours counted as one edit.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 256 || len(rb) > 256 {
		return max(len(ra), len(rb))
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
