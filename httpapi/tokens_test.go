package httpapi_test

import (
	"fmt"
	"testing"

	"github.com/splade-go/splade/httpapi"
	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/tokenizer"
)

func TestTokens(t *testing.T) {
	for _, tc := range []struct {
		fixture, text, want string
	}{
		{"tiny-bert", "hello [PAD] world", "[101 [CLS] true] [389 hello false] [0 [PAD] true] [359 world false] [102 [SEP] true]"},
		{"tiny-roberta-50262", "Hello <mask>!", "[0 <s> true] [15500 Hello false] [50261 <mask> false] [4 ! false] [2 </s> true]"},
	} {
		tok, err := tokenizer.LoadDir(reference.Fixture(t, tc.fixture))
		if err != nil {
			t.Fatal(err)
		}
		var got string
		for i, k := range httpapi.Tokens(tok, tc.text) {
			if i > 0 {
				got += " "
			}
			got += fmt.Sprintf("[%d %s %v]", k.ID, k.Text, k.Special)
		}
		if got != tc.want {
			t.Errorf("%s %q:\n got %s\nwant %s", tc.fixture, tc.text, got, tc.want)
		}
	}
}
