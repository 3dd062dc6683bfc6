package webhook_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/dipdev/dip/vcs"
)

const (
	secret     = "It's a Secret to Everybody"
	deliveryID = "72d3162e-cc78-11e3-81ab-4c9367dc0958"
)

// queue is a fake Enqueuer: it records the events it accepts, refuses a
// delivery id it has seen, and fails with err when set.
type queue struct {
	mu     sync.Mutex
	events []vcs.Event
	err    error
}

func (q *queue) Enqueue(ctx context.Context, ev vcs.Event) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return false, q.err
	}
	for _, seen := range q.events {
		if seen.DeliveryID == ev.DeliveryID {
			return false, nil
		}
	}
	q.events = append(q.events, ev)
	return true, nil
}

func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.events)
}

// noop accepts everything and keeps nothing.
type noop struct{}

func (noop) Enqueue(context.Context, vcs.Event) (bool, error) { return true, nil }

func sign(key, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "github", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// request is a delivery as GitHub sends it, signed with secret.
func request(event string, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/github", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "GitHub-Hookshot/8a1c4f2")
	r.Header.Set("X-GitHub-Event", event)
	r.Header.Set("X-GitHub-Delivery", deliveryID)
	r.Header.Set("X-GitHub-Hook-ID", "30")
	r.Header.Set("X-Hub-Signature-256", sign([]byte(secret), body))
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// deliveries reads dip_webhook_deliveries_total{host="github",event,outcome}
// from reg, sharing the receiver's counter the way a second receiver does.
// It does what testutil.ToFloat64 does: testutil needs a module go.mod
// does not list.
func deliveries(t *testing.T, reg *prometheus.Registry, event, outcome string) float64 {
	t.Helper()
	return hostDeliveries(t, reg, "github", event, outcome)
}

// hostDeliveries is deliveries for the receiver of host.
func hostDeliveries(t *testing.T, reg *prometheus.Registry, host, event, outcome string) float64 {
	t.Helper()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dip_webhook_deliveries_total",
		Help: "Webhook deliveries received, by host, event and outcome (accepted, duplicate, ignored, unusable, unauthorized, invalid, error).",
	}, []string{"host", "event", "outcome"})
	var are prometheus.AlreadyRegisteredError
	if err := reg.Register(c); !errors.As(err, &are) {
		t.Fatalf("deliveries counter not registered: %v", err)
	}
	var m dto.Metric
	counter := are.ExistingCollector.(*prometheus.CounterVec).WithLabelValues(host, event, outcome)
	if err := counter.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// observed counts the observations of dip_webhook_duration_seconds.
func observed(t *testing.T, reg *prometheus.Registry) uint64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "dip_webhook_duration_seconds" {
			var n uint64
			for _, m := range f.GetMetric() {
				n += m.GetHistogram().GetSampleCount()
			}
			return n
		}
	}
	return 0
}
