package gitlab

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/dipdev/dip/vcs"
)

// diffLines maps each file of a merge request's diff, by its new path, to
// the lines of the new file the diff shows.
type diffLines map[string]fileLines

type fileLines struct {
	oldPath string
	// old maps a line of the new file that the diff shows to its number
	// in the old file; 0 for an added line.
	old map[int]int
}

// diffLines reads mr's diff. Files GitLab does not show (too large,
// collapsed) have no lines.
func (c *Client) diffLines(ctx context.Context, repo vcs.Repo, mr *gitlab.MergeRequest) (diffLines, error) {
	opts := &gitlab.ListMergeRequestDiffsOptions{ListOptions: gitlab.ListOptions{PerPage: 100}}
	files, err := gitlab.ScanAndCollect(func(p gitlab.PaginationOptionFunc) ([]*gitlab.MergeRequestDiff, *gitlab.Response, error) {
		return c.gl.MergeRequests.ListMergeRequestDiffs(pid(repo), mr.IID, opts, p, gitlab.WithContext(ctx))
	})
	if err != nil {
		return nil, fmt.Errorf("diff of %s!%d: %w", repo.FullName(), mr.IID, err)
	}
	out := diffLines{}
	for _, f := range files {
		if f.DeletedFile || f.TooLarge || f.Collapsed {
			continue
		}
		out[f.NewPath] = fileLines{oldPath: f.OldPath, old: hunkLines(f.Diff)}
	}
	return out, nil
}

// hunkLines maps the new file's lines a unified diff shows to their
// numbers in the old file, 0 for added lines.
func hunkLines(diff string) map[int]int {
	lines := map[int]int{}
	oldN, newN := 0, 0
	for _, l := range strings.Split(diff, "\n") {
		if strings.HasPrefix(l, "@@") {
			// @@ -oldStart[,count] +newStart[,count] @@
			f := strings.Fields(l)
			if len(f) < 3 {
				oldN, newN = 0, 0
				continue
			}
			oldN, newN = start(f[1]), start(f[2])
			continue
		}
		if oldN == 0 && newN == 0 {
			continue
		}
		switch {
		case strings.HasPrefix(l, "+"):
			lines[newN] = 0
			newN++
		case strings.HasPrefix(l, "-"):
			oldN++
		case strings.HasPrefix(l, " "):
			lines[newN] = oldN
			oldN++
			newN++
		}
	}
	delete(lines, 0)
	return lines
}

func start(field string) int {
	n, _ := strconv.Atoi(strings.SplitN(strings.TrimLeft(field, "+-"), ",", 2)[0])
	return n
}

// position is the diff note position of line of file on mr, nil when the
// diff does not show it.
func (d diffLines) position(mr *gitlab.MergeRequest, file string, line int) *gitlab.PositionOptions {
	f, ok := d[file]
	if !ok || line <= 0 {
		return nil
	}
	old, ok := f.old[line]
	if !ok {
		return nil
	}
	pos := &gitlab.PositionOptions{
		BaseSHA: gitlab.Ptr(mr.DiffRefs.BaseSha), StartSHA: gitlab.Ptr(mr.DiffRefs.StartSha), HeadSHA: gitlab.Ptr(mr.DiffRefs.HeadSha),
		PositionType: gitlab.Ptr("text"), NewPath: gitlab.Ptr(file), OldPath: gitlab.Ptr(f.oldPath), NewLine: gitlab.Ptr(int64(line)),
	}
	if old > 0 {
		pos.OldLine = gitlab.Ptr(int64(old))
	}
	return pos
}
