package metrics_test

import (
	"bufio"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/splade-go/splade/metrics"
)

// The handler of package httpapi reports each request and encoder call;
// GET /metrics shows the counts.
func Example() {
	m := metrics.New(metrics.Labels{Model: "tiny-bert", Engine: "native", Precision: "fp32"})
	m.SetModelLoadTime(1500 * time.Millisecond)
	m.ObserveBatch(3, 42) // one encoder call: 3 texts, 42 tokens
	m.ObserveRequest("/embed_sparse", 200, 20*time.Millisecond)
	m.ObserveRequest("/embed_sparse", 429, time.Millisecond)

	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		line := sc.Text()
		for _, name := range []string{"splade_http_requests_total", "splade_texts_encoded_total", "splade_tokens_encoded_total", "splade_model_load_seconds"} {
			if strings.HasPrefix(line, name+"{") {
				fmt.Println(line)
			}
		}
	}
	// Output:
	// splade_http_requests_total{endpoint="/embed_sparse",engine="native",model="tiny-bert",precision="fp32",status="200"} 1
	// splade_http_requests_total{endpoint="/embed_sparse",engine="native",model="tiny-bert",precision="fp32",status="429"} 1
	// splade_model_load_seconds{engine="native",model="tiny-bert",precision="fp32"} 1.5
	// splade_texts_encoded_total{engine="native",model="tiny-bert",precision="fp32"} 3
	// splade_tokens_encoded_total{engine="native",model="tiny-bert",precision="fp32"} 42
}
