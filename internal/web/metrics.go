package web

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"tongxin/internal/store"
)

// metrics lives in its own registry (no package globals).
type metrics struct {
	reg      *prometheus.Registry
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	shed     prometheus.Counter
	handler  http.Handler
}

func newMetrics(db *store.DB, version, commit string) *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{
		reg: reg,
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tongxin_http_request_duration_seconds",
			Help:    "Time to answer a request, by route pattern, method and status.",
			Buckets: []float64{.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method", "status"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tongxin_http_requests_in_flight",
			Help: "Requests being answered now.",
		}),
		shed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tongxin_http_requests_shed_total",
			Help: "Requests refused with 503 because too many were in flight (admission control).",
		}),
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "tongxin_build_info",
		Help:        "The running build; always 1.",
		ConstLabels: prometheus.Labels{"version": version, "commit": commit, "dialect": db.Dialect()},
	})
	build.Set(1)
	reg.MustRegister(m.duration, m.inFlight, m.shed, build,
		collectors.NewDBStatsCollector(db.SQL(), "tongxin"),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return m
}

func (m *metrics) observe(route, method string, status int, d time.Duration) {
	m.duration.WithLabelValues(route, method, strconv.Itoa(status)).Observe(d.Seconds())
}

// serveMetrics is GET /metrics on the main address: 404 when the metrics
// live on their own address (metrics.listen), 401 without the token when
// one is set (metrics.token).
func (s *Server) serveMetrics(c echo.Context) error {
	if s.opts.MetricsElsewhere {
		return echo.ErrNotFound
	}
	s.MetricsHandler().ServeHTTP(c.Response(), c.Request())
	return nil
}

// MetricsHandler serves the metrics, asking for the bearer token when one
// is configured; app.Serve mounts it on metrics.listen when that is set.
func (s *Server) MetricsHandler() http.Handler {
	want := []byte(s.opts.MetricsToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(want) > 0 {
			h := r.Header.Get("Authorization")
			got := ""
			if len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
				got = h[7:]
			}
			if subtle.ConstantTimeCompare([]byte(got), want) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
				http.Error(w, "metrics: bearer token required", http.StatusUnauthorized)
				return
			}
		}
		s.metrics.handler.ServeHTTP(w, r)
	})
}
