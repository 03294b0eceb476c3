package web

import (
	"net/http"
	"strconv"
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
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "tongxin_build_info",
		Help:        "The running build; always 1.",
		ConstLabels: prometheus.Labels{"version": version, "commit": commit, "dialect": db.Dialect()},
	})
	build.Set(1)
	reg.MustRegister(m.duration, m.inFlight, build,
		collectors.NewDBStatsCollector(db.SQL(), "tongxin"),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return m
}

func (m *metrics) observe(route, method string, status int, d time.Duration) {
	m.duration.WithLabelValues(route, method, strconv.Itoa(status)).Observe(d.Seconds())
}

// serveMetrics is GET /metrics.
func (s *Server) serveMetrics(c echo.Context) error {
	s.metrics.handler.ServeHTTP(c.Response(), c.Request())
	return nil
}
