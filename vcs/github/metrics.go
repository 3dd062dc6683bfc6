package github

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dipdev/dip/internal/promreg"
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
	if requests, err = promreg.Register(reg, requests); err != nil {
		return nil, nil, err
	}
	if remaining, err = promreg.Register(reg, remaining); err != nil {
		return nil, nil, err
	}
	return requests, remaining, nil
}
