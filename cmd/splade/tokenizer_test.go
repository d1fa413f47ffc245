package main

import (
	"strings"
	"testing"

	"github.com/splade-go/splade/internal/testutil/reference"
)

// TestTokenizerMismatch checks that the commands that open a model folder
// refuse one whose tokenizer files are of a kind the network's family
// never ships, in one line that names both sides and what to do.
func TestTokenizerMismatch(t *testing.T) {
	for _, tc := range []struct {
		model, tokenizerOf, want string
	}{
		{"tiny-xlmr-16002", "tiny-bert", `model_type "xlm-roberta" expects a SentencePiece Unigram tokenizer, but the tokenizer files hold a WordPiece model`},
		{"tiny-distilbert", "tiny-roberta-50262", `model_type "distilbert" expects a WordPiece tokenizer, but the tokenizer files hold a byte-level BPE model`},
	} {
		dir := reference.MixedFixture(t, tc.model, tc.tokenizerOf)
		for _, cmd := range []string{"encode", "tokenize"} {
			_, errs, code := runCLI(t, nil, cmd, "--model", dir, "hello")
			if code != 1 || strings.Count(errs, "\n") != 1 || !strings.HasPrefix(errs, "splade: ") {
				t.Errorf("%s of %s + %s's tokenizer: exit %d, stderr %q; want one error line", cmd, tc.model, tc.tokenizerOf, code, errs)
			}
			for _, w := range []string{tc.want, "use the tokenizer files of the checkpoint that config.json comes from"} {
				if !strings.Contains(errs, w) {
					t.Errorf("%s of %s + %s's tokenizer: stderr %q lacks %q", cmd, tc.model, tc.tokenizerOf, errs, w)
				}
			}
		}
	}
}
