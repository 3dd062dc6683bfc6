// Package webhook receives code hosts' webhook deliveries: it verifies
// each one, decodes it into a vcs.Event and hands it to a durable queue.
// No work runs in the handler; workers take events from the queue.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
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
	c := config{maxBody: DefaultMaxBody}
	for _, o := range opts {
		o(&c)
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxBody
	}
	m, err := newMetrics(c.reg)
	if err != nil {
		panic("webhook: " + err.Error())
	}
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

// result is how a delivery ended: what to answer, count and log.
type result struct {
	status  int
	body    string
	outcome string
	// label is the event label of the metrics.
	label string
	ev    vcs.Event
	err   error
	// reason says why a delivery dip would act on cannot be.
	reason string
}

func (h *GitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	res := h.serve(w, r)
	if res.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodPost)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(res.status)
	_, _ = io.WriteString(w, res.body)

	host := string(vcs.GitHub)
	h.metrics.deliveries.WithLabelValues(host, res.label, res.outcome).Inc()
	h.metrics.duration.WithLabelValues(host).Observe(time.Since(start).Seconds())
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

	accepted, err := h.q.Enqueue(r.Context(), ev)
	switch {
	case err != nil:
		return res.fail(http.StatusServiceUnavailable, outcomeError, "enqueue failed", err)
	case !accepted:
		return res.done(http.StatusOK, outcomeDuplicate, "duplicate")
	}
	return res.done(http.StatusAccepted, outcomeAccepted, "accepted")
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

// read reads the body, up to maxBody bytes. A body announced larger is
// refused unread; one of known length is read into a buffer of that size,
// one of unknown length in growing chunks joined at the end, so that a
// body over the limit costs at most the limit.
func (h *GitHub) read(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > h.maxBody {
		return nil, &http.MaxBytesError{Limit: h.maxBody}
	}
	if r.Body == nil {
		return nil, nil
	}
	body := http.MaxBytesReader(w, r.Body, h.maxBody)
	defer body.Close()
	if r.ContentLength >= 0 {
		// One byte more lets the last read see the end without growing.
		buf := make([]byte, r.ContentLength+1)
		n, err := io.ReadFull(body, buf)
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
			return buf[:n], nil
		case err != nil:
			return nil, err
		}
		// More than announced: read the rest as a body of unknown length.
		rest, err := readChunks(body)
		if err != nil {
			return nil, err
		}
		return append(buf, rest...), nil
	}
	return readChunks(body)
}

// readChunks reads r to its end in chunks that double up to 1 MiB.
func readChunks(r io.Reader) ([]byte, error) {
	var chunks [][]byte
	size := 4 << 10
	for {
		c := make([]byte, size)
		n, err := io.ReadFull(r, c)
		chunks = append(chunks, c[:n])
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		size = min(2*size, 1<<20)
	}
	if len(chunks) == 1 {
		return chunks[0], nil
	}
	return bytes.Join(chunks, nil), nil
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

// logResult writes the delivery's one log line: never the secret, the
// signature or the body.
func (h *GitHub) logResult(ctx context.Context, res result) {
	level := slog.LevelInfo
	switch res.outcome {
	case outcomeUnauthorized, outcomeInvalid, outcomeUnusable:
		level = slog.LevelWarn
	case outcomeError:
		level = slog.LevelError
	}
	if !h.log.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs,
		slog.String("delivery_id", cut(res.ev.DeliveryID, maxDeliveryID)),
		slog.String("event", res.label),
		slog.String("action", res.ev.Action),
		slog.String("repo", repoName(res.ev.Repo)),
	)
	if pr := res.ev.PullRequest; pr != nil {
		attrs = append(attrs, slog.Int("pr", pr.Number))
	}
	if res.ev.SHA != "" {
		attrs = append(attrs, slog.String("sha", res.ev.SHA))
	}
	attrs = append(attrs, slog.String("outcome", res.outcome), slog.Int("status", res.status))
	if res.reason != "" {
		attrs = append(attrs, slog.String("reason", res.reason))
	}
	if res.err != nil {
		attrs = append(attrs, slog.String("error", res.err.Error()))
	}
	h.log.LogAttrs(ctx, level, "github webhook", attrs...)
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
