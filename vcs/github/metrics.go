package github

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// newMetrics makes the client's metrics and registers them with reg, or
// takes those a client before registered there.
func newMetrics(reg prometheus.Registerer) (*prometheus.CounterVec, *prometheus.GaugeVec, error) {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dip_github_api_requests_total",
		Help: "Requests sent to the GitHub API, retries and token requests included, by method and status code (error when none came).",
	}, []string{"method", "status"})
	remaining := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "dip_github_rate_limit_remaining",
		Help: "Requests left in the current primary rate-limit window, by installation id (app for the App itself), as GitHub last reported.",
	}, []string{"installation"})
	if reg == nil {
		return requests, remaining, nil
	}
	var err error
	if requests, err = register(reg, requests); err != nil {
		return nil, nil, err
	}
	if remaining, err = register(reg, remaining); err != nil {
		return nil, nil, err
	}
	return requests, remaining, nil
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
		return c, fmt.Errorf("register github metrics: %w", err)
	}
	return c, nil
}
