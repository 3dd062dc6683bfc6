package webhook

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dipdev/dip/internal/promreg"
	"github.com/dipdev/dip/vcs"
)

// Outcomes of a delivery, as counted and logged.
const (
	outcomeAccepted  = "accepted"
	outcomeDuplicate = "duplicate"
	outcomeIgnored   = "ignored"
	// outcomeUnusable is a delivery dip would act on that lacks what it
	// needs, such as one with no installation.
	outcomeUnusable     = "unusable"
	outcomeUnauthorized = "unauthorized"
	outcomeInvalid      = "invalid"
	outcomeError        = "error"
)

// unknownEvent labels deliveries whose event name is not trusted or not a
// GitHub event name, so that a forged header cannot add label values.
const unknownEvent = "unknown"

// metrics are a receiver's counters. The host label lets receivers of
// other hosts share them on one registry.
type metrics struct {
	deliveries *prometheus.CounterVec
	duration   *prometheus.HistogramVec
}

// newMetrics makes the receiver's metrics and registers them with reg, or
// takes those a receiver before registered there. A nil reg keeps them
// private.
func newMetrics(reg prometheus.Registerer) (metrics, error) {
	m := metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dip_webhook_deliveries_total",
			Help: "Webhook deliveries received, by host, event and outcome (accepted, duplicate, ignored, unusable, unauthorized, invalid, error).",
		}, []string{"host", "event", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "dip_webhook_duration_seconds",
			Help:    "Time to answer a webhook delivery, enqueueing included, by host.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}, []string{"host"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.deliveries, err = promreg.Register(reg, m.deliveries); err != nil {
		return metrics{}, err
	}
	if m.duration, err = promreg.Register(reg, m.duration); err != nil {
		return metrics{}, err
	}
	return m, nil
}

// observe counts a delivery of host that ended with res, started at start.
func (m metrics) observe(host vcs.Host, res result, start time.Time) {
	m.deliveries.WithLabelValues(string(host), res.label, res.outcome).Inc()
	m.duration.WithLabelValues(string(host)).Observe(time.Since(start).Seconds())
}
