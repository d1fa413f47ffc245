package api_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/splade-go/splade/api"
	"github.com/splade-go/splade/httpapi"
	"github.com/splade-go/splade/wasm"
)

// served shows the encoder's tokenizer to the API (POST /tokenize).
type served struct{ *wasm.Encoder }

func (s served) Tokenize(text string) []httpapi.Token { return httpapi.Tokens(s.Tokenizer(), text) }

// The client against a server of the tiny random-weight model in
// testdata (package wasm's encoder, which gives the vectors of
// `splade serve`).
func Example() {
	enc, err := wasm.LoadDir("../testdata/tiny-bert")
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.NewHandler(served{enc}, httpapi.DefaultLimits(), nil))
	defer srv.Close()

	ctx := context.Background()
	c, err := api.NewClient(srv.URL, nil)
	if err != nil {
		log.Fatal(err)
	}
	emb, err := c.Encode(ctx, &api.EncodeRequest{Texts: []string{"The weather is lovely today."}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(emb.Dim, emb.Vectors[0].Indices)

	toks, err := c.Tokenize(ctx, &api.TokenizeRequest{Inputs: api.Inputs{"Héllo Wörld"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(toks[0])

	_, err = c.Encode(ctx, &api.EncodeRequest{})
	var e *api.Error
	if errors.As(err, &e) {
		fmt.Println(e.StatusCode, e.Type, e.Message)
	}
	// Output:
	// 478 [5 22 31 71 95 113 133 210 250 280 326 345 349]
	// [{101 [CLS] true} {389 hello false} {359 world false} {102 [SEP] true}]
	// 400 Empty "texts" is empty; send at least one text
}
