package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/splade-go/splade/httpapi"
	"github.com/splade-go/splade/sparsevec"
)

// letterEncoder is a toy encoder: dimension i counts the letter 'a'+i.
type letterEncoder struct{}

func (letterEncoder) Encode(ctx context.Context, texts []string, kind httpapi.Kind) ([]sparsevec.Vector, error) {
	vs := make([]sparsevec.Vector, len(texts))
	for i, t := range texts {
		dense := make([]float32, 26)
		for _, r := range strings.ToLower(t) {
			if r >= 'a' && r <= 'z' {
				dense[r-'a']++
			}
		}
		vs[i] = sparsevec.FromDense(dense)
	}
	return vs, nil
}
func (letterEncoder) Token(id int) string { return string(rune('a' + id)) }
func (letterEncoder) Dim() int            { return 26 }
func (letterEncoder) Model() string       { return "letters" }
func (letterEncoder) Backend() string     { return "go" }

func Example() {
	srv := httptest.NewServer(httpapi.NewHandler(letterEncoder{}, httpapi.DefaultLimits(), nil))
	defer srv.Close()

	post := func(path, body string) {
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			fmt.Println(err)
			return
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		fmt.Print(resp.StatusCode, " ", string(out))
	}
	post("/encode", `{"texts":["abba"],"kind":"query"}`)
	post("/similarity", `{"queries":["ab"],"documents":["abba","cd"]}`)
	post("/decode", `{"texts":["banana"],"top_k":2}`)
	post("/encode", `{"texts":[]}`)
	// Output:
	// 200 {"model":"letters","dim":26,"vectors":[{"indices":[0,1],"values":[2,2]}]}
	// 200 {"model":"letters","fn":"dot","scores":[[4,0]]}
	// 200 {"model":"letters","results":[{"tokens":[{"token":"a","id":0,"weight":3},{"token":"n","id":13,"weight":2}]}]}
	// 400 {"error":"\"texts\" is empty; send at least one text","error_type":"Empty"}
}
