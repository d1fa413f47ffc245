// Package metrics keeps the Prometheus metrics of the HTTP API (package
// httpapi) and serves them in Prometheus' text format at GET /metrics.
//
// It is a separate package so that httpapi, which the Cloudflare Worker
// compiles to WebAssembly, stays free of github.com/prometheus/client_golang.
//
// Every metric carries the constant labels model, engine (the compute
// backend) and precision, so that dashboards can tell servers apart:
//
//	splade_http_requests_total{endpoint, status}            requests answered
//	splade_http_request_duration_seconds{endpoint, status}  their latency (histogram)
//	splade_texts_encoded_total                              texts encoded
//	splade_tokens_encoded_total                             their tokens, after truncation
//	splade_batch_size_texts                                 texts per encoder call (histogram)
//	splade_queue_texts                                      texts admitted and not yet answered
//	splade_model_load_seconds                               time taken to load the model
//
// plus the Go runtime and process metrics of client_golang's collectors.
// Each [Metrics] has its own registry: no global state.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Labels are the constant labels of every metric.
type Labels struct {
	Model     string // the model name or folder
	Engine    string // the compute backend
	Precision string // the weights' precision, e.g. "float32"
}

// Metrics is the metrics of one server. It implements httpapi.Metrics and
// is safe for concurrent use.
type Metrics struct {
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	texts     prometheus.Counter
	tokens    prometheus.Counter
	batches   prometheus.Histogram
	queue     prometheus.Gauge
	modelLoad prometheus.Gauge
	handler   http.Handler
}

// New returns the metrics of a server of the model that l describes.
func New(l Labels) *Metrics {
	reg := prometheus.NewRegistry()
	constLabels := prometheus.Labels{"model": l.Model, "engine": l.Engine, "precision": l.Precision}
	wrapped := prometheus.WrapRegistererWith(constLabels, reg)
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "splade_http_requests_total", Help: "HTTP requests answered, by endpoint and status code.",
		}, []string{"endpoint", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "splade_http_request_duration_seconds", Help: "Time to answer an HTTP request, by endpoint and status code.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"endpoint", "status"}),
		texts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "splade_texts_encoded_total", Help: "Texts encoded.",
		}),
		tokens: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "splade_tokens_encoded_total", Help: "Tokens of the texts encoded, after truncation, special tokens included.",
		}),
		batches: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "splade_batch_size_texts", Help: "Texts (with chunking: windows) per forward pass of the encoder.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512},
		}),
		queue: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "splade_queue_texts", Help: "Texts admitted (waiting or encoding) and not yet answered.",
		}),
		modelLoad: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "splade_model_load_seconds", Help: "Time taken to load the model, in seconds.",
		}),
	}
	wrapped.MustRegister(m.requests, m.latency, m.texts, m.tokens, m.batches, m.queue, m.modelLoad)
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return m
}

// SetModelLoadTime records how long the model took to load.
func (m *Metrics) SetModelLoadTime(d time.Duration) { m.modelLoad.Set(d.Seconds()) }

// ObserveRequest records one answered request.
func (m *Metrics) ObserveRequest(endpoint string, status int, d time.Duration) {
	code := strconv.Itoa(status)
	m.requests.WithLabelValues(endpoint, code).Inc()
	m.latency.WithLabelValues(endpoint, code).Observe(d.Seconds())
}

// ObserveBatch records one call of the encoder.
func (m *Metrics) ObserveBatch(texts, tokens int) {
	m.texts.Add(float64(texts))
	m.tokens.Add(float64(tokens))
	m.batches.Observe(float64(texts))
}

// SetQueueDepth records the texts in the queue.
func (m *Metrics) SetQueueDepth(texts int) { m.queue.Set(float64(texts)) }

// ServeHTTP serves the metrics in Prometheus' text format.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.handler.ServeHTTP(w, r) }
