package fakehub

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"testing/fstest"
)

func get(t *testing.T, c *http.Client, url string, auth string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestServe(t *testing.T) {
	h := New()
	a := h.Add(t, "org/a", "main", "", fstest.MapFS{
		"config.json":       {Data: []byte(`{"a":1}`)},
		"sub/vocab.txt":     {Data: []byte("[PAD]\n")},
		"model.safetensors": {Data: []byte("weights of a")},
	})
	b := h.Add(t, "org/b", "refs/pr/1", "0123456789012345678901234567890123456789", fstest.MapFS{
		"config.json": {Data: []byte(`{"b":1}`)},
	})
	if len(a) != 40 || a == b {
		t.Fatalf("derived commit %q", a)
	}
	srv := h.Start(t)
	c := srv.Client()

	resp, body := get(t, c, srv.URL+"/api/models/org/a/revision/main?blobs=true", "")
	var info struct {
		ID       string `json:"id"`
		SHA      string `json:"sha"`
		Siblings []struct {
			Name string `json:"rfilename"`
			Size int    `json:"size"`
			LFS  *struct {
				SHA256 string `json:"sha256"`
			} `json:"lfs"`
		} `json:"siblings"`
	}
	if err := json.Unmarshal(body, &info); err != nil || resp.StatusCode != 200 {
		t.Fatalf("info: %d %s %v", resp.StatusCode, body, err)
	}
	if info.ID != "org/a" || info.SHA != a || len(info.Siblings) != 3 || info.Siblings[1].LFS == nil ||
		info.Siblings[1].LFS.SHA256 != SHA256Hex([]byte("weights of a")) || info.Siblings[2].Name != "sub/vocab.txt" {
		t.Errorf("info = %+v", info)
	}

	// A revision with slashes, escaped as clients do.
	resp, body = get(t, c, srv.URL+"/api/models/org/b/revision/refs%2Fpr%2F1", "")
	if resp.StatusCode != 200 || json.Unmarshal(body, &info) != nil || info.SHA != b {
		t.Errorf("escaped revision: %d %s", resp.StatusCode, body)
	}

	// resolve by commit; LFS files through the CDN redirect.
	resp, body = get(t, c, srv.URL+"/org/a/resolve/"+a+"/model.safetensors", "")
	if string(body) != "weights of a" || resp.Request.URL.Path != "/cdn/"+SHA256Hex(body) {
		t.Errorf("LFS file: %q from %s", body, resp.Request.URL)
	}
	resp, body = get(t, c, srv.URL+"/org/a/resolve/main/sub/vocab.txt", "")
	if string(body) != "[PAD]\n" || resp.Header.Get("ETag") != `"`+GitBlobID(body)+`"` || resp.Header.Get("X-Repo-Commit") != a {
		t.Errorf("file: %q, headers %v", body, resp.Header)
	}

	for url, code := range map[string]string{
		"/org/a/resolve/main/missing.json":  "EntryNotFound",
		"/org/a/resolve/nope/config.json":   "RevisionNotFound",
		"/api/models/org/c/revision/main":   "RepoNotFound",
		"/api/models/org/a/revision/v9.9.9": "RevisionNotFound",
	} {
		if resp, _ := get(t, c, srv.URL+url, ""); resp.Header.Get("X-Error-Code") != code {
			t.Errorf("%s: %d %s, want %s", url, resp.StatusCode, resp.Header.Get("X-Error-Code"), code)
		}
	}

	h.RequireToken("tok")
	if resp, _ := get(t, c, srv.URL+"/org/b/resolve/main/config.json", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without token: %d", resp.StatusCode)
	}
	h.Reset()
	if resp, body := get(t, c, srv.URL+"/org/b/resolve/"+b+"/config.json", "Bearer tok"); resp.StatusCode != 200 || string(body) != `{"b":1}` {
		t.Errorf("with token: %d %s", resp.StatusCode, body)
	}
	if reqs := h.Requests(); len(reqs) != 1 || reqs[0].Authorization != "Bearer tok" || reqs[0].Path != "/org/b/resolve/"+b+"/config.json" {
		t.Errorf("requests = %+v", reqs)
	}
	if s := h.Served(); len(s) != 1 || s[0] != "config.json" {
		t.Errorf("served = %v", s)
	}
}
