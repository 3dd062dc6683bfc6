package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, to count jobs

	"github.com/dipdev/dip/app/queue"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/webhook"
)

// Targets of the webhook receipt benchmark.
const (
	targetRate = 2000 // deliveries/s
	targetP99  = 20 * time.Millisecond
)

const benchSecret = "dipbench webhook secret"

// webhookBench measures webhook receipt: deliveries sent over loopback to
// dip's receiver of each host asked for (signed GitHub pull_request
// deliveries, GitLab merge request deliveries with the webhook token) over
// a real queue, with no worker taking the jobs, against a plain handler
// that reads the same bodies and answers 202, with the same load generator
// in the same run. It then checks that every delivery answered 202 has
// exactly one job, and that redeliveries are refused.
func webhookBench(args []string) error {
	fl := flag.NewFlagSet("webhook", flag.ContinueOnError)
	var o loadOpts
	fl.IntVar(&o.clients, "c", 32, "concurrent clients")
	fl.DurationVar(&o.duration, "d", 5*time.Second, "duration of each measurement")
	fl.IntVar(&o.count, "n", 0, "deliveries per measurement; when set, instead of -d")
	fl.Float64Var(&o.rate, "rate", 0, "deliveries/s sent on a fixed schedule (open loop; latency counts from the scheduled time); 0 sends each client's next delivery when its last is answered (closed loop)")
	fl.BoolVar(&o.keepAlive, "keepalive", true, "reuse connections")
	runs := fl.Int("runs", 3, "measurements of each server; all are shown")
	dbURL := fl.String("db", "", "queue database: a postgres:// URL, or empty for a SQLite file in the work directory")
	redeliver := fl.Int("redeliver", 100, "accepted deliveries sent again in each run, which must be refused")
	cpuProfile := fl.String("cpuprofile", "", "write a CPU profile of dip's first measurement to this file")
	hostList := fl.String("host", "github", "receivers to measure, in turn in each run: github, gitlab or github,gitlab")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if o.clients <= 0 || *runs <= 0 || (o.count <= 0 && o.duration <= 0) {
		return errors.New("webhook: -c, -runs and -n or -d must be positive")
	}
	var hosts []string
	for _, h := range strings.Split(*hostList, ",") {
		if h = strings.TrimSpace(h); h != "github" && h != "gitlab" {
			return fmt.Errorf("webhook: -host %q: github or gitlab", h)
		}
		hosts = append(hosts, strings.TrimSpace(h))
	}
	dir, err := os.MkdirTemp(".", ".bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	bodies := map[string][]signedBody{}
	for _, h := range hosts {
		bodies[h] = deliveryBodies(h, 1024)
		fmt.Printf("%s: %s deliveries of %d bytes\n", h, map[string]string{"github": "pull_request", "gitlab": "Merge Request Hook"}[h], len(bodies[h][0].body))
	}
	fmt.Printf("%d clients, %s, %s, queue on %s\n\n",
		o.clients, o.describe(), map[bool]string{true: "keep-alive", false: "a connection per delivery"}[o.keepAlive],
		map[bool]string{true: "PostgreSQL", false: "SQLite"}[*dbURL != ""])
	fmt.Println("| run | server | deliveries/s | p50 | p90 | p99 | max | CPU / delivery | non-202 | lost | redeliveries refused | dip / baseline |")
	fmt.Println("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	dips, bases := map[string][]loadResult{}, map[string][]loadResult{}
	failed := false
	for run := 1; run <= *runs; run++ {
		for _, h := range hosts {
			o.host, o.bodies = h, bodies[h]
			base, err := measureBaseline(o)
			if err != nil {
				return fmt.Errorf("baseline: %w", err)
			}
			db := *dbURL
			if db == "" {
				db = filepath.Join(dir, fmt.Sprintf("dip-%s-%d.db", h, run))
			}
			profile := ""
			if run == 1 && h == hosts[0] {
				profile = *cpuProfile
			}
			d, err := measureDip(o, db, *redeliver, profile)
			if err != nil {
				return fmt.Errorf("dip %s: %w", h, err)
			}
			bases[h], dips[h] = append(bases[h], base), append(dips[h], d)
			fmt.Println(base.row(run, "baseline ("+h+" bodies)", ""))
			fmt.Println(d.row(run, "dip "+h, fmt.Sprintf("%.2f", d.rate()/base.rate())))
			if d.lost != 0 || d.extra != 0 || d.refused != d.redelivered {
				failed = true
			}
		}
	}
	for _, h := range hosts {
		summarise(h, dips[h], bases[h], failed)
	}
	if failed {
		return errors.New("webhook: deliveries lost, duplicated or redelivered")
	}
	return nil
}

// summarise prints the figures of host's runs against their baselines and
// the verdict on the targets.
func summarise(host string, dips, bases []loadResult, failed bool) {
	best := slices.MaxFunc(dips, func(a, b loadResult) int { return cmpFloat(a.rate(), b.rate()) })
	bestBase := slices.MaxFunc(bases, func(a, b loadResult) int { return cmpFloat(a.rate(), b.rate()) })
	lo := slices.MinFunc(dips, func(a, b loadResult) int { return cmpFloat(a.rate(), b.rate()) })
	ratios := make([]float64, len(dips))
	for i := range dips {
		ratios[i] = dips[i].rate() / bases[i].rate()
	}
	slices.Sort(ratios)
	cpuDip, cpuBase := make([]time.Duration, len(dips)), make([]time.Duration, len(dips))
	for i := range dips {
		cpuDip[i], cpuBase[i] = dips[i].cpuPer(), bases[i].cpuPer()
	}
	slices.Sort(cpuDip)
	slices.Sort(cpuBase)
	fmt.Printf("\ndip %s: best %.0f deliveries/s (runs %.0f–%.0f), p99 %s; baseline best %.0f/s; dip / baseline in the same run: median %.2f (%.2f–%.2f)\n",
		host, best.rate(), lo.rate(), best.rate(), msf(best.pct(0.99)), bestBase.rate(), ratios[len(ratios)/2], ratios[0], ratios[len(ratios)-1])
	fmt.Printf("CPU per delivery, server and load generator, median: dip %.0f µs, baseline %.0f µs\n",
		float64(cpuDip[len(cpuDip)/2])/1e3, float64(cpuBase[len(cpuBase)/2])/1e3)
	// The verdict takes the run of median p99, not the best one: under an
	// open loop every run has the same rate, and the best would be luck.
	byP99 := slices.Clone(dips)
	slices.SortFunc(byP99, func(a, b loadResult) int { return cmp.Compare(a.pct(0.99), b.pct(0.99)) })
	mid := byP99[len(byP99)/2]
	met := mid.rate() >= targetRate && mid.pct(0.99) < targetP99 && !failed
	for _, d := range dips {
		met = met && d.non202 == 0
	}
	fmt.Printf("run of median p99: %.0f deliveries/s, p99 %s\n", mid.rate(), msf(mid.pct(0.99)))
	fmt.Printf("target ≥ %d deliveries/s with p99 < %s and none lost: %s\n", targetRate, targetP99, map[bool]string{true: "met", false: "NOT met"}[met])
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// measureBaseline loads a handler that reads the body and answers 202:
// what loopback HTTP and the load generator cost by themselves.
func measureBaseline(o loadOpts) (loadResult, error) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
	var res loadResult
	err := withServer(h, o.host, func(url string) error {
		var err error
		res, err = o.run(url, newPrefix())
		return err
	})
	return res, err
}

// measureDip loads dip's receiver of o.host over a queue on db, then sends
// redeliver accepted deliveries again and counts the jobs in db.
func measureDip(o loadOpts, db string, redeliver int, profile string) (loadResult, error) {
	ctx := context.Background()
	q, err := queue.Open(ctx, queue.Config{DatabaseURL: db}, queue.HandlerFunc(func(context.Context, vcs.Event) error { return nil }))
	if err != nil {
		return loadResult{}, err
	}
	defer q.Close()
	var h http.Handler = webhook.NewGitHub([]byte(benchSecret), q)
	if o.host == "gitlab" {
		h = webhook.NewGitLab([]byte(benchSecret), q)
	}
	prefix := newPrefix()
	var res loadResult
	err = withServer(h, o.host, func(url string) error {
		if profile != "" {
			f, err := os.Create(profile)
			if err != nil {
				return err
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				return err
			}
			defer pprof.StopCPUProfile()
		}
		if res, err = o.run(url, prefix); err != nil {
			return err
		}
		res.redelivered, res.refused, err = o.redeliver(url, prefix, res.accepted[:min(redeliver, len(res.accepted))])
		return err
	})
	if err != nil {
		return res, err
	}
	if err := q.Close(); err != nil {
		return res, err
	}
	jobs, err := countJobs(db, prefix)
	if err != nil {
		return res, fmt.Errorf("count jobs: %w", err)
	}
	for _, i := range res.accepted {
		id := deliveryID(prefix, i)
		switch n := jobs[id]; {
		case n == 0:
			res.lost++
		case n > 1:
			res.extra += n - 1
		}
		delete(jobs, id)
	}
	for _, n := range jobs {
		res.extra += n // jobs of deliveries not answered 202
	}
	return res, nil
}

// withServer serves h on a loopback port, at host's webhook path, while f
// runs.
func withServer(h http.Handler, host string, f func(url string) error) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	ferr := f("http://" + ln.Addr().String() + "/webhooks/" + host)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(ctx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return errors.Join(ferr, err)
}

// countJobs counts the event jobs in the queue database db by delivery id,
// for the ids that start with prefix.
func countJobs(db, prefix string) (map[string]int, error) {
	driver, dsn := "sqlite", db
	if strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://") {
		driver = "pgx"
	}
	pool, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	rows, err := pool.Query(`SELECT args FROM river_job WHERE kind = 'dip_event'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	jobs := make(map[string]int)
	for rows.Next() {
		var args []byte
		if err := rows.Scan(&args); err != nil {
			return nil, err
		}
		var job struct {
			Event vcs.Event `json:"event"`
		}
		if err := json.Unmarshal(args, &job); err != nil {
			return nil, err
		}
		if strings.HasPrefix(job.Event.DeliveryID, prefix) {
			jobs[job.Event.DeliveryID]++
		}
	}
	return jobs, rows.Err()
}

// loadOpts is the load generator's configuration.
type loadOpts struct {
	clients   int
	duration  time.Duration
	count     int
	rate      float64
	keepAlive bool
	// host is the code host whose deliveries are sent: github or gitlab.
	host   string
	bodies []signedBody
}

func (o loadOpts) describe() string {
	what := o.duration.String()
	if o.count > 0 {
		what = fmt.Sprintf("%d deliveries", o.count)
	}
	if o.rate > 0 {
		return fmt.Sprintf("open loop at %.0f deliveries/s for %s", o.rate, what)
	}
	return "closed loop for " + what
}

// loadResult is one measurement.
type loadResult struct {
	elapsed time.Duration
	// cpu is the process's CPU time, user and system, server and load
	// generator together: on a shared machine a steadier measure of the
	// cost of a delivery than the rate.
	cpu       time.Duration
	latencies []time.Duration // sorted
	non202    int
	// accepted are the numbers of the deliveries answered 202.
	accepted []int
	// lost counts deliveries answered 202 without a job; extra the jobs
	// beyond one per delivery answered 202.
	lost, extra          int
	redelivered, refused int
}

// cpuPer is the CPU time per delivery.
func (r loadResult) cpuPer() time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.cpu / time.Duration(len(r.latencies))
}

func (r loadResult) rate() float64 {
	return float64(len(r.latencies)) / r.elapsed.Seconds()
}

// pct is the q-quantile of the latencies, by the nearest-rank method.
func (r loadResult) pct(q float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(r.latencies)))) - 1
	return r.latencies[max(i, 0)]
}

func (r loadResult) row(run int, server, ratio string) string {
	lost, refused := "", ""
	if strings.HasPrefix(server, "dip") {
		lost = fmt.Sprint(r.lost + r.extra)
		refused = fmt.Sprintf("%d/%d", r.refused, r.redelivered)
	}
	return fmt.Sprintf("| %d | %s | %.0f | %s | %s | %s | %s | %.0f µs | %d | %s | %s | %s |", run, server, r.rate(),
		msf(r.pct(0.50)), msf(r.pct(0.90)), msf(r.pct(0.99)), msf(r.pct(1)), float64(r.cpuPer())/1e3, r.non202, lost, refused, ratio)
}

// cpuTime is the CPU time the process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func msf(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// run sends deliveries to url from o.clients goroutines, each waiting for
// its answer before the next: as soon as possible (closed loop), or at the
// scheduled time of the delivery when o.rate is set (open loop, where a
// delivery sent late counts its lateness in its latency).
func (o loadOpts) run(url, prefix string) (loadResult, error) {
	client := o.client()
	defer client.CloseIdleConnections()
	var next atomic.Int64
	lats := make([][]time.Duration, o.clients)
	acc := make([][]int, o.clients)
	non202 := make([]int, o.clients)
	errs := make([]error, o.clients)
	var wg sync.WaitGroup
	cpu0 := cpuTime()
	start := time.Now()
	deadline := start.Add(o.duration)
	for c := range o.clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if o.count > 0 && i >= o.count {
					return
				}
				sent := time.Now()
				if o.rate > 0 {
					sent = start.Add(time.Duration(float64(i) / o.rate * float64(time.Second)))
					time.Sleep(time.Until(sent))
				}
				if o.count <= 0 && sent.After(deadline) {
					return
				}
				status, _, err := o.send(client, url, prefix, i)
				if err != nil {
					errs[c] = err
					return
				}
				lats[c] = append(lats[c], time.Since(sent))
				if status == http.StatusAccepted {
					acc[c] = append(acc[c], i)
				} else {
					non202[c]++
				}
			}
		})
	}
	wg.Wait()
	res := loadResult{elapsed: time.Since(start), cpu: cpuTime() - cpu0}
	for c := range o.clients {
		res.latencies = append(res.latencies, lats[c]...)
		res.accepted = append(res.accepted, acc[c]...)
		res.non202 += non202[c]
	}
	slices.Sort(res.latencies)
	slices.Sort(res.accepted)
	return res, errors.Join(errs...)
}

// redeliver sends the deliveries numbered ids again, as the hosts'
// "Redeliver" does, and counts those answered 200 "duplicate".
func (o loadOpts) redeliver(url, prefix string, ids []int) (sent, refused int, err error) {
	client := o.client()
	defer client.CloseIdleConnections()
	for _, i := range ids {
		status, body, err := o.send(client, url, prefix, i)
		if err != nil {
			return sent, refused, err
		}
		sent++
		if status == http.StatusOK && body == "duplicate" {
			refused++
		}
	}
	return sent, refused, nil
}

func (o loadOpts) client() *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConnsPerHost: o.clients,
			DisableKeepAlives:   !o.keepAlive,
			DisableCompression:  true,
		},
	}
}

// send posts delivery i as its host does, and returns the status and
// body.
func (o loadOpts) send(client *http.Client, url, prefix string, i int) (int, string, error) {
	b := o.bodies[i%len(o.bodies)]
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b.body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	if o.host == "gitlab" {
		req.Header.Set("User-Agent", "GitLab/18.2.0")
		req.Header.Set("X-Gitlab-Event", "Merge Request Hook")
		req.Header.Set("X-Gitlab-Event-UUID", deliveryID(prefix, i))
		req.Header.Set("X-Gitlab-Webhook-UUID", "0f8bd5ce-9dfb-4c35-b0ce-0f41a0b6a8b0")
		req.Header.Set("X-Gitlab-Instance", "https://gitlab.example")
		req.Header.Set("X-Gitlab-Token", benchSecret)
	} else {
		req.Header.Set("User-Agent", "GitHub-Hookshot/8a1c4f2")
		req.Header.Set("X-GitHub-Event", "pull_request")
		req.Header.Set("X-GitHub-Delivery", deliveryID(prefix, i))
		req.Header.Set("X-GitHub-Hook-ID", "30")
		req.Header.Set("X-GitHub-Hook-Installation-Target-Type", "integration")
		req.Header.Set("X-GitHub-Hook-Installation-Target-ID", "4242")
		req.Header.Set("X-Hub-Signature-256", b.signature)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	return resp.StatusCode, string(body), err
}

// newPrefix is the first part of a run's delivery ids, random so that runs
// sharing a database keep theirs apart.
func newPrefix() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// deliveryID is a GUID, as GitHub's delivery ids are.
func deliveryID(prefix string, i int) string {
	return fmt.Sprintf("%s-0000-4000-8000-%012x", prefix, i)
}
