package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dipdev/dip/app/audit"
	"github.com/dipdev/dip/app/repocache"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/gitfs"
)

// Page sizes of GET /audit.
const (
	DefaultAuditPage = 100
	MaxAuditPage     = 1000
)

// Installation repositories are listed again after reposTTL, and on a
// repository not in the list no sooner than reposRetry after the last
// listing, so that unknown names cannot make dip call GitHub per request.
const (
	reposTTL   = 5 * time.Minute
	reposRetry = 30 * time.Second
	// maxAuditLogs bounds the audit trails kept in memory, one per
	// repository and output branch tip.
	maxAuditLogs = 16
)

// auditAPI serves GET /audit: the records of dip audit, read-only, for the
// repositories of the App's installations, from the clones the server
// keeps. Callers prove themselves with the bearer token DIP_AUDIT_TOKEN:
// the records hold logins and pull request links of private repositories.
type auditAPI struct {
	provider vcs.Provider
	cache    *repocache.Cache
	token    [sha256.Size]byte
	log      *slog.Logger
	now      func() time.Time

	mu       sync.Mutex
	repos    map[string][]vcs.Repo
	listedAt time.Time
	logs     map[string]*audit.Log
	order    []string // keys of logs, oldest first
}

func newAuditAPI(p vcs.Provider, cache *repocache.Cache, token []byte, log *slog.Logger) *auditAPI {
	return &auditAPI{provider: p, cache: cache, token: sha256.Sum256(token), log: log, now: time.Now, logs: map[string]*audit.Log{}}
}

// auditPage is the answer of GET /audit.
type auditPage struct {
	Repository string          `json:"repository"`
	Branch     string          `json:"branch"`
	Tip        string          `json:"tip"`
	Partial    string          `json:"partial,omitempty"`
	Records    []audit.Record  `json:"records"`
	Next       string          `json:"next_cursor,omitempty"`
	Problems   []audit.Problem `json:"problems"`
}

func (a *auditAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !a.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="dip audit"`)
		jsonError(w, http.StatusUnauthorized, "a bearer token (DIP_AUDIT_TOKEN) is required")
		return
	}
	q := r.URL.Query()
	f, limit, cursor, err := auditQuery(q)
	if err != nil {
		jsonError(w, http.StatusBadRequest, err.Error())
		return
	}
	repo, ok, err := a.repository(r.Context(), vcs.Host(q.Get("host")), q.Get("repo"))
	switch {
	case errors.Is(err, errAmbiguous):
		jsonError(w, http.StatusBadRequest, err.Error())
		return
	case err != nil:
		a.log.Warn("GET /audit: listing the installations' repositories", "error", err)
		jsonError(w, http.StatusBadGateway, "the installations' repositories could not be listed")
		return
	case !ok:
		jsonError(w, http.StatusNotFound, "no repository "+q.Get("repo")+" among the App's installations")
		return
	}
	log, err := a.trail(r.Context(), repo)
	if err != nil {
		a.log.Warn("GET /audit: reading the output branch", "repo", repo.FullName(), "error", err)
		jsonError(w, http.StatusServiceUnavailable, "the audit trail could not be read; try again")
		return
	}
	page, err := paginate(log, f, limit, cursor)
	if err != nil {
		jsonError(w, http.StatusBadRequest, err.Error())
		return
	}
	page.Repository = repo.FullName()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(page)
}

func (a *auditAPI) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return false
	}
	sum := sha256.Sum256([]byte(tok))
	return subtle.ConstantTimeCompare(sum[:], a.token[:]) == 1
}

// auditQuery reads the filters, page size and cursor of a request.
func auditQuery(q map[string][]string) (audit.Filter, int, string, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if get("repo") == "" {
		return audit.Filter{}, 0, "", errors.New("repo=owner/name is required")
	}
	f := audit.Filter{Team: get("team"), Request: get("request"), Kind: get("kind")}
	var err error
	if s := get("since"); s != "" {
		if f.Since, err = audit.ParseTime(s, false); err != nil {
			return f, 0, "", fmt.Errorf("since: %w", err)
		}
	}
	if s := get("until"); s != "" {
		if f.Until, err = audit.ParseTime(s, true); err != nil {
			return f, 0, "", fmt.Errorf("until: %w", err)
		}
	}
	limit := DefaultAuditPage
	if s := get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > MaxAuditPage {
			return f, 0, "", fmt.Errorf("limit %q: a number from 1 to %d", s, MaxAuditPage)
		}
	}
	return f, limit, get("cursor"), nil
}

// errAmbiguous is a repository name that more than one code host has.
var errAmbiguous = errors.New("ambiguous repository")

// repository finds owner/name among the repositories dip may act on, of
// host when it is set; without it the name must be one host's only.
func (a *auditAPI) repository(ctx context.Context, host vcs.Host, name string) (vcs.Repo, bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	age := a.now().Sub(a.listedAt)
	repo, ok, err := a.lookup(host, name)
	if a.repos != nil && (ok && age < reposTTL || !ok && age < reposRetry) {
		return repo, ok, err
	}
	repos, err := a.provider.Repositories(ctx)
	if err != nil {
		return vcs.Repo{}, false, err
	}
	a.repos = make(map[string][]vcs.Repo, len(repos))
	for _, r := range repos {
		key := strings.ToLower(r.FullName())
		a.repos[key] = append(a.repos[key], r)
	}
	a.listedAt = a.now()
	return a.lookup(host, name)
}

// lookup finds a repository in the list. a.mu is held.
func (a *auditAPI) lookup(host vcs.Host, name string) (vcs.Repo, bool, error) {
	var found []vcs.Repo
	for _, r := range a.repos[strings.ToLower(name)] {
		if host == "" || r.Host == host {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
		return vcs.Repo{}, false, nil
	case 1:
		return found[0], true, nil
	}
	return vcs.Repo{}, false, fmt.Errorf("%w: %s is on more than one code host; add host=github or host=gitlab", errAmbiguous, name)
}

// trail reads the records of repo's output branch from the server's clone,
// fetching only when there is no clone yet; a trail already read at the
// same tip is answered from memory.
func (a *auditAPI) trail(ctx context.Context, repo vcs.Repo) (*audit.Log, error) {
	co, err := a.cache.Open(repo)
	if errors.Is(err, repocache.ErrNotCached) && repo.DefaultBranch != "" {
		co, err = a.fetch(ctx, repo)
	}
	if err != nil {
		return nil, err
	}
	defer co.Release()
	branch, err := a.outputBranch(co, repo)
	if err != nil {
		return &audit.Log{Records: []audit.Record{}, Problems: []audit.Problem{}}, nil // nothing rendered yet
	}
	tip, err := gitfs.Resolve(co.Repo, repocache.RemoteRef("refs/heads/"+branch).String())
	if err != nil {
		return &audit.Log{Branch: branch, Records: []audit.Record{}, Problems: []audit.Problem{}}, nil
	}
	key := co.Dir + "\x00" + tip.String()
	a.mu.Lock()
	log := a.logs[key]
	prior := a.newestOf(co.Dir, branch)
	a.mu.Unlock()
	if log != nil {
		return log, nil
	}
	// After a render, the branch is the trail read before plus a commit
	// or a few: only those are read.
	if prior != nil {
		if ext, ok, err := prior.Extend(co.Repo, tip); err == nil && ok {
			log = ext
		}
	}
	if log == nil {
		h, err := audit.ReadHistory(co.Repo, branch, tip)
		if err != nil {
			return nil, err
		}
		log = audit.Records(co.Repo, h, audit.Filter{})
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.logs[key]; !ok {
		a.logs[key] = log
		a.order = append(a.order, key)
		if len(a.order) > maxAuditLogs {
			delete(a.logs, a.order[0])
			a.order = a.order[1:]
		}
	}
	return log, nil
}

// newestOf is the trail kept last of branch in the clone at dir, or nil.
// a.mu is held.
func (a *auditAPI) newestOf(dir, branch string) *audit.Log {
	for i := len(a.order) - 1; i >= 0; i-- {
		if l := a.logs[a.order[i]]; strings.HasPrefix(a.order[i], dir+"\x00") && l.Branch == branch {
			return l
		}
	}
	return nil
}

// fetch makes the first clone of repo: its default branch, then the
// output branch its platform.yaml names.
func (a *auditAPI) fetch(ctx context.Context, repo vcs.Repo) (*repocache.Checkout, error) {
	co, err := a.cache.Fetch(ctx, repo, []string{"refs/heads/" + repo.DefaultBranch})
	if err != nil {
		return nil, err
	}
	branch, err := a.outputBranch(co, repo)
	if err != nil {
		return co, nil // not a platform repo (yet): an empty trail
	}
	co.Release()
	return a.cache.Fetch(ctx, repo, []string{"refs/heads/" + branch})
}

func (a *auditAPI) outputBranch(co *repocache.Checkout, repo vcs.Repo) (string, error) {
	head, err := gitfs.Resolve(co.Repo, repocache.RemoteRef("refs/heads/"+repo.DefaultBranch).String())
	if err != nil {
		return "", err
	}
	return audit.OutputBranch(co.Repo, head)
}

// paginate picks the page of log's records that f keeps, after the record
// cursor names. A cursor is opaque to callers: the base64url of the
// render commit and request of the last record of the page before.
func paginate(log *audit.Log, f audit.Filter, limit int, cursor string) (*auditPage, error) {
	page := &auditPage{Branch: log.Branch, Tip: log.Tip, Partial: log.Partial, Records: []audit.Record{}, Problems: log.Problems}
	start := 0
	if cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(cursor)
		commit, request, ok := strings.Cut(string(raw), ":")
		if err != nil || !ok {
			return nil, errors.New("cursor: not one this server gave")
		}
		start = -1
		for i, r := range log.Records {
			if r.Commit == commit && r.Request == request {
				start = i + 1
				break
			}
		}
		if start < 0 {
			return nil, errors.New("cursor: its record is no longer in the output branch's history (rewritten since); start again without a cursor")
		}
	}
	for i := start; i < len(log.Records); i++ {
		r := &log.Records[i]
		if !f.Keeps(r) {
			continue
		}
		if len(page.Records) == limit {
			last := page.Records[len(page.Records)-1]
			page.Next = base64.RawURLEncoding.EncodeToString([]byte(last.Commit + ":" + last.Request))
			break
		}
		page.Records = append(page.Records, *r)
	}
	return page, nil
}

func jsonError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
