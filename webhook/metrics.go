package webhook

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Outcomes of a delivery, as counted and logged.
const (
	outcomeAccepted     = "accepted"
	outcomeDuplicate    = "duplicate"
	outcomeIgnored      = "ignored"
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
			Help: "Webhook deliveries received, by host, event and outcome (accepted, duplicate, ignored, unauthorized, invalid, error).",
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
	if m.deliveries, err = register(reg, m.deliveries); err != nil {
		return metrics{}, err
	}
	if m.duration, err = register(reg, m.duration); err != nil {
		return metrics{}, err
	}
	return m, nil
}

func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	if err != nil {
		return c, fmt.Errorf("register webhook metrics: %w", err)
	}
	return c, nil
}
