package unigram_test

import (
	"testing"

	"github.com/splade-go/splade/tokenizer/unigram"
)

// BenchmarkEncode tokenizes the 6,000 multilingual texts of the
// conformance set; tokens/s counts the ids produced.
func BenchmarkEncode(b *testing.B) {
	texts := readConformance(b)
	tok, err := unigram.Load(folder(b, conformanceDir, "tokenizer.json", "tokenizer_config.json"))
	if err != nil {
		b.Fatal(err)
	}
	bytes, ids := 0, 0
	for _, r := range texts {
		bytes += len(r.Text)
	}
	b.SetBytes(int64(bytes))
	b.ResetTimer()
	for b.Loop() {
		for _, r := range texts {
			ids += len(tok.EncodeIDs(r.Text, 0))
		}
	}
	b.ReportMetric(float64(ids)/b.Elapsed().Seconds(), "tokens/s")
}
