package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Limits GitHub sets on check runs.
const (
	maxAnnotations = 50
	maxOutput      = 65535
	maxTitle       = 255
	maxMessage     = 64 << 10
)

// checkRunBody is the body of a create or an update.
type checkRunBody struct {
	Name       *string `json:"name"`
	HeadSHA    string  `json:"head_sha"`
	Status     *string `json:"status"`
	Conclusion *string `json:"conclusion"`
	ExternalID *string `json:"external_id"`
	Output     *struct {
		Title       *string          `json:"title"`
		Summary     *string          `json:"summary"`
		Text        *string          `json:"text"`
		Annotations []wireAnnotation `json:"annotations"`
	} `json:"output"`
}

type wireAnnotation struct {
	Path        string `json:"path"`
	StartLine   int    `json:"start_line"`
	EndLine     int    `json:"end_line"`
	StartColumn *int   `json:"start_column"`
	EndColumn   *int   `json:"end_column"`
	Level       string `json:"annotation_level"`
	Title       string `json:"title"`
	Message     string `json:"message"`
	RawDetails  string `json:"raw_details"`
}

// validate lists what GitHub would refuse in b.
func (b *checkRunBody) validate(create bool) []string {
	statuses := []string{"queued", "in_progress", "completed"}
	conclusions := []string{"action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out"}
	levels := []string{"notice", "warning", "failure"}
	var errs []string
	if create && (b.Name == nil || *b.Name == "") {
		errs = append(errs, "name is missing")
	}
	if b.Name != nil && *b.Name == "" {
		errs = append(errs, "name is empty")
	}
	if create && b.HeadSHA == "" {
		errs = append(errs, "head_sha is missing")
	}
	if b.Status != nil && !slices.Contains(statuses, *b.Status) {
		errs = append(errs, fmt.Sprintf("status %q is not one of %v", *b.Status, statuses))
	}
	if b.Conclusion != nil && !slices.Contains(conclusions, *b.Conclusion) {
		errs = append(errs, fmt.Sprintf("conclusion %q is not one of %v", *b.Conclusion, conclusions))
	}
	if b.Status != nil && *b.Status == "completed" && b.Conclusion == nil {
		errs = append(errs, "conclusion is required when status is completed")
	}
	o := b.Output
	if o == nil {
		return errs
	}
	if o.Title == nil || o.Summary == nil || *o.Title == "" || *o.Summary == "" {
		errs = append(errs, "output needs a title and a summary")
	}
	if o.Summary != nil && utf8.RuneCountInString(*o.Summary) > maxOutput {
		errs = append(errs, fmt.Sprintf("output.summary is longer than %d characters", maxOutput))
	}
	if o.Text != nil && utf8.RuneCountInString(*o.Text) > maxOutput {
		errs = append(errs, fmt.Sprintf("output.text is longer than %d characters", maxOutput))
	}
	if len(o.Annotations) > maxAnnotations {
		errs = append(errs, fmt.Sprintf("%d annotations: at most %d a request", len(o.Annotations), maxAnnotations))
	}
	for i, a := range o.Annotations {
		switch {
		case a.Path == "" || a.StartLine <= 0 || a.EndLine < a.StartLine || a.Message == "":
			errs = append(errs, fmt.Sprintf("annotation %d needs path, start_line, end_line and message", i))
		case !slices.Contains(levels, a.Level):
			errs = append(errs, fmt.Sprintf("annotation %d: annotation_level %q is not one of %v", i, a.Level, levels))
		case (a.StartColumn != nil || a.EndColumn != nil) && a.StartLine != a.EndLine:
			errs = append(errs, fmt.Sprintf("annotation %d: columns only on one line", i))
		case utf8.RuneCountInString(a.Title) > maxTitle || len(a.Message) > maxMessage || len(a.RawDetails) > maxMessage:
			errs = append(errs, fmt.Sprintf("annotation %d is too long", i))
		}
	}
	return errs
}

// apply sets what b says on run and records its annotations.
func (s *Server) apply(run *CheckRun, b *checkRunBody, method string) {
	run.Requests++
	if b.Name != nil {
		run.Name = *b.Name
	}
	if b.ExternalID != nil {
		run.ExternalID = *b.ExternalID
	}
	if b.Status != nil {
		run.Status = *b.Status
	}
	if b.Conclusion != nil {
		run.Conclusion = *b.Conclusion
		run.Status = "completed"
	}
	if b.Output == nil {
		return
	}
	run.Title, run.Summary = deref(b.Output.Title), deref(b.Output.Summary)
	if b.Output.Text != nil {
		run.Text = *b.Output.Text
	}
	if len(b.Output.Annotations) == 0 {
		return
	}
	batch := AnnotationBatch{CheckRunID: run.ID, Method: method}
	for _, a := range b.Output.Annotations {
		batch.Annotations = append(batch.Annotations, Annotation{
			Path: a.Path, StartLine: a.StartLine, EndLine: a.EndLine,
			StartColumn: deref(a.StartColumn), EndColumn: deref(a.EndColumn),
			Level: a.Level, Title: a.Title, Message: a.Message, RawDetails: a.RawDetails,
		})
	}
	run.Annotations = append(run.Annotations, batch.Annotations...)
	s.batches = append(s.batches, batch)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// repoFor returns the repository of r's path if inst covers it, else
// answers 404.
func (s *Server) repoFor(w http.ResponseWriter, r *http.Request, inst int64) (*repo, bool) {
	s.mu.Lock()
	rp, ok := s.repos[r.PathValue("owner")+"/"+r.PathValue("repo")]
	s.mu.Unlock()
	if !ok || rp.Installation != inst {
		writeJSON(w, http.StatusNotFound, message("Not Found"))
		return nil, false
	}
	return rp, true
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, message("Problems parsing JSON"))
		return false
	}
	return true
}

func (s *Server) createCheckRun(w http.ResponseWriter, r *http.Request, inst int64) {
	rp, ok := s.repoFor(w, r, inst)
	if !ok {
		return
	}
	var b checkRunBody
	if !decodeBody(w, r, &b) {
		return
	}
	if errs := b.validate(true); len(errs) > 0 {
		invalid(w, errs...)
		return
	}
	s.mu.Lock()
	s.nextID++
	run := &CheckRun{ID: s.nextID, Repo: rp.FullName(), AppID: s.appID, HeadSHA: b.HeadSHA, Status: "queued"}
	s.apply(run, &b, r.Method)
	s.runs = append(s.runs, run)
	out := wireRun(run)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) updateCheckRun(w http.ResponseWriter, r *http.Request, inst int64) {
	rp, ok := s.repoFor(w, r, inst)
	if !ok {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var b checkRunBody
	if !decodeBody(w, r, &b) {
		return
	}
	if errs := b.validate(false); len(errs) > 0 {
		invalid(w, errs...)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.runs, func(c *CheckRun) bool { return c.ID == id && c.Repo == rp.FullName() })
	if i < 0 || s.runs[i].AppID != s.appID {
		writeJSON(w, http.StatusNotFound, message("Not Found"))
		return
	}
	s.apply(s.runs[i], &b, r.Method)
	writeJSON(w, http.StatusOK, wireRun(s.runs[i]))
}

func (s *Server) listCheckRuns(w http.ResponseWriter, r *http.Request, inst int64) {
	rp, ok := s.repoFor(w, r, inst)
	if !ok {
		return
	}
	q := r.URL.Query()
	var list []map[string]any
	s.mu.Lock()
	for _, run := range s.runs {
		if run.Repo != rp.FullName() || run.HeadSHA != r.PathValue("ref") ||
			(q.Has("app_id") && q.Get("app_id") != strconv.FormatInt(run.AppID, 10)) ||
			(q.Has("check_name") && q.Get("check_name") != run.Name) {
			continue
		}
		list = append(list, wireRun(run))
	}
	s.mu.Unlock()
	lo, hi := s.paginate(w, r, len(list))
	writeJSON(w, http.StatusOK, map[string]any{"total_count": len(list), "check_runs": nonNil(list[lo:hi])})
}

// wireRun is run as GitHub answers it. s.mu is held.
func wireRun(run *CheckRun) map[string]any {
	m := map[string]any{
		"id":       run.ID,
		"name":     run.Name,
		"head_sha": run.HeadSHA,
		"status":   run.Status,
		"app":      map[string]any{"id": run.AppID},
		"output": map[string]any{
			"title": run.Title, "summary": run.Summary, "text": run.Text,
			"annotations_count": len(run.Annotations),
		},
	}
	if run.Conclusion != "" {
		m["conclusion"] = run.Conclusion
	}
	if run.ExternalID != "" {
		m["external_id"] = run.ExternalID
	}
	return m
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
