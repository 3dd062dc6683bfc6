package gitlabtest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/dipdev/dip/vcs/internal/fakehost"
)

// GitBackend serves repositories over smart HTTP.
const GitBackend = "/usr/lib/git-core/git-http-backend"

// ServeGit serves the bare repository dir as project fullName's, at its
// clone URL, to clients that authenticate with oauth2 and the token;
// pushes are taken. From then on the head of an open merge request from
// one of the project's branches follows the branch,
// refs/merge-requests/<iid>/head is brought up to date before every fetch,
// as GitLab keeps it after every push, and merge request diffs are git's.
// The test is skipped when git http-backend is not installed.
func (s *Server) ServeGit(fullName, dir string) {
	if _, err := os.Stat(GitBackend); err != nil {
		s.t.Skipf("git http-backend not installed: %v", err)
	}
	s.mu.Lock()
	s.project(fullName).git = dir
	s.mu.Unlock()
	s.syncRefs(fullName)
}

// gitProject finds the served project a path is in, and the rest of the
// path after its .git.
func (s *Server) gitProject(path string) (*project, string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.projects {
		root := s.prefix + "/" + p.FullName() + ".git"
		if rest, ok := strings.CutPrefix(path, root); ok && p.git != "" && (rest == "" || rest[0] == '/') {
			return p, rest, true
		}
	}
	return nil, "", false
}

func (s *Server) serveGit(w http.ResponseWriter, r *http.Request, p *project, rest string) {
	user, pass, ok := r.BasicAuth()
	if !ok || user != "oauth2" || pass != s.token {
		w.Header().Set("WWW-Authenticate", `Basic realm="GitLab"`)
		http.Error(w, "HTTP Basic: Access denied", http.StatusUnauthorized)
		s.record(r, "", http.StatusUnauthorized)
		return
	}
	receive := strings.HasSuffix(rest, "/git-receive-pack")
	if rest == "/info/refs" && r.URL.Query().Get("service") == "git-upload-pack" {
		s.syncRefs(p.FullName())
	}
	backend := &cgi.Handler{
		Path: GitBackend,
		Root: s.prefix + "/" + p.FullName() + ".git",
		Env: []string{"GIT_PROJECT_ROOT=" + p.git, "GIT_HTTP_EXPORT_ALL=1", "GIT_CONFIG_NOSYSTEM=1",
			"HOME=" + os.TempDir(), "REMOTE_USER=oauth2"},
	}
	rec := fakehost.NewRecorder(w)
	backend.ServeHTTP(rec, r)
	s.mu.Lock()
	if receive && rec.Status == http.StatusOK {
		p.pushes++
	}
	s.mu.Unlock()
	s.record(r, BotUsername, rec.Status)
}

// branch resolves a branch of p's repository.
func branch(p *project, name string) (string, bool) {
	if p.git == "" || name == "" {
		return "", false
	}
	r, err := git.PlainOpen(p.git)
	if err != nil {
		return "", false
	}
	ref, err := r.Reference(plumbing.NewBranchReferenceName(name), true)
	if err != nil {
		return "", false
	}
	return ref.Hash().String(), true
}

// headOf is m's head commit as it stands.
func (s *Server) headOf(p *project, m *MergeRequest) string {
	if m.State == "opened" && !m.Fork {
		if sha, ok := branch(p, m.SourceBranch); ok {
			return sha
		}
	}
	return m.SHA
}

// syncRefs points refs/merge-requests/<iid>/head of every merge request of
// fullName at its head, as GitLab does after each push.
func (s *Server) syncRefs(fullName string) {
	s.mu.Lock()
	p := s.project(fullName)
	dir := p.git
	mrs := make([]MergeRequest, len(p.mrs))
	for i, m := range p.mrs {
		mrs[i] = m.MergeRequest
	}
	s.mu.Unlock()
	if dir == "" {
		return
	}
	r, err := git.PlainOpen(dir)
	if err != nil {
		s.t.Errorf("gitlabtest: open %s: %v", dir, err)
		return
	}
	for _, m := range mrs {
		sha := s.headOf(p, &m)
		if !plumbing.IsHash(sha) {
			continue
		}
		s.mu.Lock()
		if mm := p.mr(m.IID); mm != nil {
			mm.SHA = sha
		}
		s.mu.Unlock()
		name := plumbing.ReferenceName("refs/merge-requests/" + strconv.Itoa(m.IID) + "/head")
		if cur, err := r.Reference(name, false); err == nil && cur.Hash().String() == sha {
			continue
		}
		if err := r.Storer.SetReference(plumbing.NewHashReference(name, plumbing.NewHash(sha))); err != nil {
			s.t.Errorf("gitlabtest: set %s of %s: %v", name, fullName, err)
		}
	}
}

// diffRefs are a merge request's base (where the source branched off the
// target), start (the target's head) and head commits.
func (s *Server) diffRefs(p *project, m *MergeRequest) (base, start, head string) {
	head = s.headOf(p, m)
	start, ok := branch(p, m.TargetBranch)
	if !ok {
		return m.BaseSHA, m.BaseSHA, head
	}
	out, err := gitOutput(p.git, "merge-base", start, head)
	if err != nil {
		return start, start, head
	}
	return strings.TrimSpace(out), start, head
}

// fileDiff is one file's change, as GitLab lists a merge request's diffs.
type fileDiff struct {
	OldPath     string `json:"old_path"`
	NewPath     string `json:"new_path"`
	AMode       string `json:"a_mode"`
	BMode       string `json:"b_mode"`
	Diff        string `json:"diff"`
	NewFile     bool   `json:"new_file"`
	RenamedFile bool   `json:"renamed_file"`
	DeletedFile bool   `json:"deleted_file"`
	Generated   bool   `json:"generated_file"`
	Collapsed   bool   `json:"collapsed"`
	TooLarge    bool   `json:"too_large"`
}

// diffs is git's diff from base to head, file by file, each hunk text
// starting at its first @@ line as GitLab gives it.
func diffs(dir, base, head string) ([]fileDiff, error) {
	out, err := gitOutput(dir, "diff", "--no-color", "--no-ext-diff", "--find-renames", "--full-index", base, head)
	if err != nil {
		return nil, err
	}
	var files []fileDiff
	for _, part := range strings.Split("\n"+out, "\ndiff --git ")[1:] {
		header, body, _ := strings.Cut(part, "\n@@")
		f := fileDiff{AMode: "100644", BMode: "100644"}
		for _, line := range strings.Split(header, "\n") {
			switch {
			case strings.HasPrefix(line, "--- a/"):
				f.OldPath = strings.TrimPrefix(line, "--- a/")
			case strings.HasPrefix(line, "+++ b/"):
				f.NewPath = strings.TrimPrefix(line, "+++ b/")
			case strings.HasPrefix(line, "new file mode "):
				f.NewFile, f.AMode, f.BMode = true, "0", strings.TrimPrefix(line, "new file mode ")
			case strings.HasPrefix(line, "deleted file mode "):
				f.DeletedFile, f.AMode, f.BMode = true, strings.TrimPrefix(line, "deleted file mode "), "0"
			case strings.HasPrefix(line, "rename from "):
				f.RenamedFile, f.OldPath = true, strings.TrimPrefix(line, "rename from ")
			case strings.HasPrefix(line, "rename to "):
				f.NewPath = strings.TrimPrefix(line, "rename to ")
			}
		}
		f.OldPath, f.NewPath = firstSet(f.OldPath, f.NewPath), firstSet(f.NewPath, f.OldPath)
		if strings.Contains(part, "\n@@") {
			f.Diff = "@@" + body
			if !strings.HasSuffix(f.Diff, "\n") {
				f.Diff += "\n"
			}
		}
		files = append(files, f)
	}
	return files, nil
}

func firstSet(a, b string) string {
	if a == "" || a == "/dev/null" {
		return b
	}
	return a
}

func gitOutput(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+os.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}
