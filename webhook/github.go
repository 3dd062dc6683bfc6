// Package webhook receives code hosts' webhook deliveries: it verifies
// each one, decodes it into a vcs.Event and hands it to a durable queue.
// No work runs in the handler; workers take events from the queue.
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-github/v92/github"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dipdev/dip/vcs"
)

// Enqueuer stores events for the workers.
type Enqueuer interface {
	// Enqueue stores the event durably. It reports false when a delivery
	// with the same id was accepted before.
	Enqueue(ctx context.Context, ev vcs.Event) (accepted bool, err error)
}

// maxDeliveryID bounds the delivery id, a GUID at GitHub.
const maxDeliveryID = 128

// DefaultMaxBody is the largest body read: GitHub caps payloads at 25 MB.
const DefaultMaxBody = 25 << 20

// GitHub is the http.Handler of POST /webhooks/github.
//
// It answers:
//   - 202 "accepted": the event was enqueued;
//   - 200 "duplicate": a delivery with that id was enqueued before;
//   - 200 "ignored": an event or action dip does not act on;
//   - 200 "unusable: <why>": an event dip would act on, lacking what it
//     needs, such as a delivery with no installation (from a repository
//     or organization webhook pointed at dip);
//   - 200 "pong": a ping;
//   - 400: no delivery id or event name, or a signed body that is not
//     JSON, or whose fields dip reads have values GitHub never sends
//     (a commit id that is not one, a field of the wrong type);
//   - 401: a missing, malformed or wrong signature;
//   - 405: not a POST;
//   - 413: a body over the limit;
//   - 503: the queue failed, so that GitHub shows a failed delivery.
type GitHub struct {
	secret  []byte
	q       Enqueuer
	log     *slog.Logger
	metrics metrics
	maxBody int64
	appID   int64
	// known holds GitHub's event names, the only values the event label
	// takes.
	known map[string]bool
}

// Option configures a GitHub receiver.
type Option func(*config)

type config struct {
	log     *slog.Logger
	reg     prometheus.Registerer
	maxBody int64
	appID   int64
}

// WithLogger logs one line per delivery to l. Without it nothing is
// logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithMetrics registers the receiver's metrics with reg, or shares those
// already registered there. Without it they are kept private.
func WithMetrics(reg prometheus.Registerer) Option { return func(c *config) { c.reg = reg } }

// WithMaxBody sets the largest body read, DefaultMaxBody unless set.
func WithMaxBody(n int64) Option { return func(c *config) { c.maxBody = n } }

// WithAppID makes check_run and check_suite events of other apps ignored:
// only re-runs of this App's checks are acted on.
func WithAppID(id int64) Option { return func(c *config) { c.appID = id } }

// NewGitHub returns the receiver of GitHub deliveries signed with secret.
// An empty secret, a nil queue or metrics that do not register are
// programming errors, and NewGitHub panics on them: the server checks its
// configuration before.
func NewGitHub(secret []byte, q Enqueuer, opts ...Option) *GitHub {
	if len(secret) == 0 {
		panic("webhook: empty github webhook secret")
	}
	if q == nil {
		panic("webhook: nil enqueuer")
	}
	c, m := setup(opts)
	known := make(map[string]bool)
	for _, name := range github.MessageTypes() {
		known[name] = true
	}
	return &GitHub{
		secret:  append([]byte(nil), secret...),
		q:       q,
		log:     c.log,
		metrics: m,
		maxBody: c.maxBody,
		appID:   c.appID,
		known:   known,
	}
}

func (h *GitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	res := h.serve(w, r)
	respond(w, res)
	h.metrics.observe(vcs.GitHub, res, start)
	h.logResult(r.Context(), res)
}

// serve verifies, decodes and enqueues one delivery. The signature is
// checked before the body is decoded or the event header trusted.
func (h *GitHub) serve(w http.ResponseWriter, r *http.Request) result {
	res := result{label: unknownEvent}
	res.ev.Host = vcs.GitHub
	res.ev.DeliveryID = r.Header.Get("X-GitHub-Delivery")
	if r.Method != http.MethodPost {
		return res.fail(http.StatusMethodNotAllowed, outcomeInvalid, "method not allowed", nil)
	}
	body, err := h.read(w, r)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return res.fail(http.StatusRequestEntityTooLarge, outcomeInvalid, "payload too large", err)
		}
		return res.fail(http.StatusBadRequest, outcomeInvalid, "unreadable body", err)
	}
	if err := h.verify(r.Header.Get("X-Hub-Signature-256"), body); err != nil {
		return res.fail(http.StatusUnauthorized, outcomeUnauthorized, "invalid signature", err)
	}

	name := r.Header.Get("X-GitHub-Event")
	res.ev.Name = name
	if h.known[name] {
		res.label = name
	}
	if name == "" {
		return res.fail(http.StatusBadRequest, outcomeInvalid, "missing X-GitHub-Event", nil)
	}
	if res.ev.DeliveryID == "" {
		return res.fail(http.StatusBadRequest, outcomeInvalid, "missing X-GitHub-Delivery", nil)
	}
	if len(res.ev.DeliveryID) > maxDeliveryID {
		return res.fail(http.StatusBadRequest, outcomeInvalid, "X-GitHub-Delivery too long", nil)
	}
	if !handled(name) {
		return res.done(http.StatusOK, outcomeIgnored, "ignored")
	}
	payload, err := parsePayload(name, body)
	if err != nil {
		return res.fail(http.StatusBadRequest, outcomeInvalid, "invalid "+name+" payload", err)
	}
	ev, act := h.translate(name, payload)
	ev.DeliveryID = res.ev.DeliveryID
	res.ev = ev
	if !act {
		return res.done(http.StatusOK, outcomeIgnored, "ignored")
	}
	if ev.Kind != vcs.EventPing {
		if err := validate(ev); err != nil {
			if u, ok := errors.AsType[*unusable](err); ok {
				res.reason = u.reason
				return res.done(http.StatusOK, outcomeUnusable, "unusable: "+u.reason)
			}
			return res.fail(http.StatusBadRequest, outcomeInvalid, "invalid "+name+" payload", err)
		}
	}
	if ev.Kind == vcs.EventPing {
		return res.done(http.StatusOK, outcomeIgnored, "pong")
	}

	return res.enqueue(r.Context(), h.q)
}

func (res result) done(status int, outcome, body string) result {
	res.status, res.outcome, res.body = status, outcome, body
	return res
}

// fail answers msg; err, logged, may say more. Decoding errors name a
// field or a character of the payload at most, never the payload.
func (res result) fail(status int, outcome, msg string, err error) result {
	res.status, res.outcome, res.body, res.err = status, outcome, msg, err
	if err != nil && status == http.StatusBadRequest {
		res.body = msg + ": " + err.Error()
	}
	return res
}

// read reads the body, up to h.maxBody bytes.
func (h *GitHub) read(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return readBody(w, r, h.maxBody)
}

// verify checks header, sha256=<hex>, against the HMAC-SHA256 of body, in
// constant time.
func (h *GitHub) verify(header string, body []byte) error {
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok || len(hexSig) != hex.EncodedLen(sha256.Size) {
		return errors.New("missing or malformed signature")
	}
	got := make([]byte, sha256.Size)
	if _, err := hex.Decode(got, []byte(hexSig)); err != nil {
		return errors.New("missing or malformed signature")
	}
	mac := hmac.New(sha256.New, h.secret)
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return errors.New("signature does not match")
	}
	return nil
}

// logResult writes the delivery's one log line.
func (h *GitHub) logResult(ctx context.Context, res result) {
	logDelivery(ctx, h.log, "github webhook", res)
}

func repoName(r vcs.Repo) string {
	if r.Owner == "" && r.Name == "" {
		return ""
	}
	return r.FullName()
}

// cut shortens s, an unverified header maybe, to n bytes.
func cut(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
