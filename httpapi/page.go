package httpapi

import (
	_ "embed"
	"fmt"
	"net/http"
	"strings"
)

// page is the try-it page served at GET / to browsers: one HTML file with
// its script and style inline, calling /info, /tokenize, /decode,
// /encode and /similarity of the server that served it.
//
//go:embed page.html
var page []byte

const usage = `SPLADE sparse encoder (%s, backend %s, %d dimensions)
Open http://%s/ in a browser to try it.

POST /encode        {"texts":["..."], "kind":"query"|"document", "max_active_dims":k}
POST /similarity    {"queries":["..."], "documents":["..."], "fn":"dot"|"cosine"}
POST /decode        {"texts":["..."], "top_k":10}
POST /embed_sparse  {"inputs":"..." | ["..."], "truncate":true}   (TEI)
POST /tokenize      {"inputs":"..."}                               (TEI)
GET  /info, /health (TEI), /healthz, /metrics

Example:
  curl -s %s/encode -d '{"texts":["what is splade?"],"kind":"query"}'

Limits: %d texts and %d bytes per request, %d texts in the queue, %v per request.
`

// root serves the try-it page to browsers and a plain-text usage note,
// with the address the client used, to everything else.
func (h *handler) root(w http.ResponseWriter, r *http.Request) error {
	w.Header().Add("Vary", "Accept")
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
		writeBody(w, http.StatusOK, "text/html; charset=utf-8", page)
		return nil
	}
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	body := fmt.Sprintf(usage, h.enc.Model(), h.enc.Backend(), h.enc.Dim(), host, host,
		h.lim.MaxTexts, h.lim.MaxBodyBytes, h.lim.MaxQueueTexts, h.timeoutText())
	writeBody(w, http.StatusOK, "text/plain; charset=utf-8", []byte(body))
	return nil
}
