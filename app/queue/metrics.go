package queue

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dipdev/dip/internal/promreg"
	"github.com/dipdev/dip/vcs"
)

// Outcomes of a job attempt, the outcome label of dip_queue_jobs_total.
const (
	outcomeCompleted  = "completed"
	outcomeRetried    = "retried"
	outcomeFailed     = "failed"
	outcomeCancelled  = "cancelled"
	outcomeSuperseded = "superseded"
	outcomeWaiting    = "waiting"
)

// metrics are the queue's Prometheus metrics, labelled by event kind.
type metrics struct {
	jobs     *prometheus.CounterVec
	duration *prometheus.HistogramVec
	enqueues *prometheus.CounterVec
}

// newMetrics makes the queue's metrics and registers them on reg when it
// is not nil. Collectors already registered by another queue on reg are
// shared.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dip_queue_jobs_total",
			Help: "Job attempts by event kind and outcome: completed, retried, failed (out of attempts), cancelled (permanent error), superseded (a newer head was queued), waiting (another run of the repository held its lease).",
		}, []string{"kind", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "dip_queue_job_duration_seconds",
			Help:    "Time the handler took per job attempt, by event kind.",
			Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600},
		}, []string{"kind"}),
		enqueues: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dip_queue_deliveries_total",
			Help: "Deliveries offered to the queue by event kind and result: accepted or duplicate.",
		}, []string{"kind", "result"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.jobs, err = promreg.Register(reg, m.jobs); err != nil {
		return nil, err
	}
	if m.duration, err = promreg.Register(reg, m.duration); err != nil {
		return nil, err
	}
	if m.enqueues, err = promreg.Register(reg, m.enqueues); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *metrics) finished(kind vcs.EventKind, outcome string) {
	m.jobs.WithLabelValues(string(kind), outcome).Inc()
}

func (m *metrics) observe(kind vcs.EventKind, d time.Duration) {
	m.duration.WithLabelValues(string(kind)).Observe(d.Seconds())
}

func (m *metrics) enqueued(kind vcs.EventKind, accepted bool) {
	result := "accepted"
	if !accepted {
		result = "duplicate"
	}
	m.enqueues.WithLabelValues(string(kind), result).Inc()
}
