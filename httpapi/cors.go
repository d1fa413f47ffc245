package httpapi

import (
	"net/http"
	"slices"
	"strings"
)

// CORS returns h answering cross-origin requests from the given origins
// ("*": any origin), so that a page served elsewhere can call the API
// from a browser: preflight requests (OPTIONS with
// Access-Control-Request-Method) get 204 with the allowed methods and
// headers, and every answer to an allowed origin carries
// Access-Control-Allow-Origin. With no origins, h is returned as it is and
// browsers refuse cross-origin calls, the safe default.
func CORS(h http.Handler, origins []string) http.Handler {
	if len(origins) == 0 {
		return h
	}
	return &cors{next: h, any: slices.Contains(origins, "*"), origins: origins}
}

type cors struct {
	next    http.Handler
	any     bool
	origins []string
}

func (c *cors) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	hd := w.Header()
	hd.Add("Vary", "Origin")
	allowed := origin != "" && (c.any || slices.Contains(c.origins, origin))
	if allowed {
		if c.any {
			hd.Set("Access-Control-Allow-Origin", "*")
		} else {
			hd.Set("Access-Control-Allow-Origin", origin)
		}
		hd.Set("Access-Control-Expose-Headers", "Retry-After")
	}
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		if !allowed {
			Error(w, http.StatusForbidden, "origin "+origin+" may not call this server (see --cors-origin)")
			return
		}
		hd.Add("Vary", "Access-Control-Request-Method")
		hd.Add("Vary", "Access-Control-Request-Headers")
		hd.Set("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS")
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			hd.Set("Access-Control-Allow-Headers", strings.Join(strings.Fields(strings.ReplaceAll(req, ",", " ")), ", "))
		} else {
			hd.Set("Access-Control-Allow-Headers", "Content-Type")
		}
		hd.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	c.next.ServeHTTP(w, r)
}
