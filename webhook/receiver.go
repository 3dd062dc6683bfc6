package webhook

// What the receivers of every host share: options, the answer, the
// enqueueing, the bounded read of the body and the log line.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/dipdev/dip/vcs"
)

// setup applies a receiver's options over the defaults and makes its
// metrics. Metrics that do not register are a programming error: setup
// panics.
func setup(opts []Option) (config, metrics) {
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
	return c, m
}

// respond writes res's answer.
func respond(w http.ResponseWriter, res result) {
	if res.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodPost)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(res.status)
	_, _ = io.WriteString(w, res.body)
}

// enqueue stores res's event in q and answers accordingly: 202 when it
// was accepted, 200 when its delivery was accepted before, 503 when the
// queue failed.
func (res result) enqueue(ctx context.Context, q Enqueuer) result {
	accepted, err := q.Enqueue(ctx, res.ev)
	switch {
	case err != nil:
		return res.fail(http.StatusServiceUnavailable, outcomeError, "enqueue failed", err)
	case !accepted:
		return res.done(http.StatusOK, outcomeDuplicate, "duplicate")
	}
	return res.done(http.StatusAccepted, outcomeAccepted, "accepted")
}

// readBody reads r's body, up to maxBody bytes. A body announced larger is
// refused unread; one of known length is read into a buffer of that size,
// one of unknown length in growing chunks joined at the end, so that a
// body over the limit costs at most the limit.
func readBody(w http.ResponseWriter, r *http.Request, maxBody int64) ([]byte, error) {
	if r.ContentLength > maxBody {
		return nil, &http.MaxBytesError{Limit: maxBody}
	}
	if r.Body == nil {
		return nil, nil
	}
	body := http.MaxBytesReader(w, r.Body, maxBody)
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

// logDelivery writes a delivery's one log line, msg: never the secret,
// the signature or the body.
func logDelivery(ctx context.Context, log *slog.Logger, msg string, res result) {
	level := slog.LevelInfo
	switch res.outcome {
	case outcomeUnauthorized, outcomeInvalid, outcomeUnusable:
		level = slog.LevelWarn
	case outcomeError:
		level = slog.LevelError
	}
	if !log.Enabled(ctx, level) {
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
	log.LogAttrs(ctx, level, msg, attrs...)
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
