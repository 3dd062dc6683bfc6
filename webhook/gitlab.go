package webhook

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/dipdev/dip/vcs"
)

// GitLab is the http.Handler of POST /webhooks/gitlab.
//
// It answers:
//   - 401: a missing or wrong X-Gitlab-Token, compared before anything
//     else is read;
//   - 202 "accepted": the event was enqueued;
//   - 200 "duplicate": a delivery with that X-Gitlab-Event-UUID was
//     enqueued before;
//   - 200 "ignored": an event or action dip does not act on, system hooks
//     among them;
//   - 400: no X-Gitlab-Event-UUID or X-Gitlab-Event, or a payload that
//     does not decode into a usable event;
//   - 405: not a POST;
//   - 413: a body over the limit;
//   - 503: the queue failed, so that GitLab shows a failed delivery.
type GitLab struct {
	// secret is the SHA-256 of the webhook secret: comparing digests
	// takes the same time whatever the length of the token sent.
	secret  [sha256.Size]byte
	q       Enqueuer
	log     *slog.Logger
	metrics metrics
	maxBody int64
}

// NewGitLab returns the receiver of GitLab deliveries carrying secret in
// X-Gitlab-Token. An empty secret, a nil queue or metrics that do not
// register are programming errors, and NewGitLab panics on them. It takes
// WithLogger, WithMetrics and WithMaxBody.
func NewGitLab(secret []byte, q Enqueuer, opts ...Option) *GitLab {
	if len(secret) == 0 {
		panic("webhook: empty gitlab webhook secret")
	}
	if q == nil {
		panic("webhook: nil enqueuer")
	}
	c, m := setup(opts)
	return &GitLab{secret: sha256.Sum256(secret), q: q, log: c.log, metrics: m, maxBody: c.maxBody}
}

func (h *GitLab) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	res := h.serve(w, r)
	respond(w, res)
	h.metrics.observe(vcs.GitLab, res, start)
	logDelivery(r.Context(), h.log, "gitlab webhook", res)
}

// serve checks the token, then reads, decodes and enqueues one delivery.
func (h *GitLab) serve(w http.ResponseWriter, r *http.Request) result {
	res := result{label: unknownEvent}
	res.ev.Host = vcs.GitLab
	if !h.verify(r.Header.Get("X-Gitlab-Token")) {
		return res.fail(http.StatusUnauthorized, outcomeUnauthorized, "invalid token", nil)
	}
	res.ev.DeliveryID = deliveryID(r.Header)
	if r.Method != http.MethodPost {
		return res.fail(http.StatusMethodNotAllowed, outcomeInvalid, "method not allowed", nil)
	}
	body, err := readBody(w, r, h.maxBody)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return res.fail(http.StatusRequestEntityTooLarge, outcomeInvalid, "payload too large", err)
		}
		return res.fail(http.StatusBadRequest, outcomeInvalid, "unreadable body", err)
	}
	name := r.Header.Get("X-Gitlab-Event")
	res.ev.Name = name
	if label, ok := gitlabEvents[name]; ok {
		res.label = label
	}
	switch {
	case name == "":
		return res.fail(http.StatusBadRequest, outcomeInvalid, "missing X-Gitlab-Event", nil)
	case res.ev.DeliveryID == "":
		return res.fail(http.StatusBadRequest, outcomeInvalid, "missing X-Gitlab-Event-UUID", nil)
	case len(res.ev.DeliveryID) > maxDeliveryID:
		return res.fail(http.StatusBadRequest, outcomeInvalid, "X-Gitlab-Event-UUID too long", nil)
	}
	ev, act, err := decodeGitLab(name, body)
	ev.DeliveryID = res.ev.DeliveryID
	res.ev = ev
	if err != nil {
		return res.fail(http.StatusBadRequest, outcomeInvalid, "invalid "+res.label+" payload", err)
	}
	if !act {
		return res.done(http.StatusOK, outcomeIgnored, "ignored")
	}
	return res.enqueue(r.Context(), h.q)
}

// verify compares token with the secret in constant time.
func (h *GitLab) verify(token string) bool {
	if token == "" {
		return false
	}
	got := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(got[:], h.secret[:]) == 1
}

// deliveryID is the id of a delivery: X-Gitlab-Event-UUID, shared by the
// deliveries of one event to several of dip's hooks (a project's and a
// group's), or the Idempotency-Key of GitLab's retries when the UUID is
// missing.
func deliveryID(h http.Header) string {
	if id := h.Get("X-Gitlab-Event-UUID"); id != "" {
		return id
	}
	return h.Get("Idempotency-Key")
}

// gitlabEvents maps GitLab's X-Gitlab-Event names to the event label of
// the metrics; other names count as unknown.
var gitlabEvents = map[string]string{
	"Merge Request Hook":         "merge_request",
	"Push Hook":                  "push",
	"Tag Push Hook":              "tag_push",
	"Note Hook":                  "note",
	"Confidential Note Hook":     "confidential_note",
	"Issue Hook":                 "issue",
	"Confidential Issue Hook":    "confidential_issue",
	"Pipeline Hook":              "pipeline",
	"Job Hook":                   "job",
	"Wiki Page Hook":             "wiki_page",
	"Deployment Hook":            "deployment",
	"Release Hook":               "release",
	"Emoji Hook":                 "emoji",
	"Member Hook":                "member",
	"Subgroup Hook":              "subgroup",
	"Project Hook":               "project",
	"Feature Flag Hook":          "feature_flag",
	"Milestone Hook":             "milestone",
	"Resource Access Token Hook": "resource_access_token",
	"Vulnerability Hook":         "vulnerability",
	"System Hook":                "system",
}

var _ http.Handler = (*GitLab)(nil)
