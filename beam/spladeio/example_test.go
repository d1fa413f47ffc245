package spladeio_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/splade-go/splade/beam/spladeio"
	"github.com/splade-go/splade/internal/corpus"
	"github.com/splade-go/splade/internal/dbformat"
)

// Encode a BEIR corpus file on the prism runner into two output files
// of splade encode's jsonl lines, and a report of the malformed line.
func Example() {
	dir, _ := os.MkdirTemp("", "spladeio-example-")
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "corpus.jsonl")
	os.WriteFile(in, []byte(`{"_id": "d1", "title": "Weather", "text": "The weather is lovely today."}
{"_id": "d2", "title": "", "text": "It's so sunny outside!"}
{"_id": "d3", "text": 42}
`), 0o644)

	ctx := context.Background()
	p, s := beam.NewPipelineWithRoot()
	texts, malformed, err := spladeio.Read(ctx, s, in, corpus.BEIR)
	if err != nil {
		fmt.Println(err)
		return
	}
	m := spladeio.Model{Name: filepath.Join("..", "..", "testdata", "tiny-bert")}
	vectors, truncated := spladeio.Encode(s, m, texts)
	lines := spladeio.Format(s, m, spladeio.Output{Format: dbformat.JSONL}, vectors)
	out := filepath.Join(dir, "vectors")
	spladeio.WriteSharded(s, out, 2, lines)
	spladeio.WriteReports(s, out+".reports.jsonl", beam.Flatten(s, malformed, truncated))
	if _, err := prism.Execute(ctx, p); err != nil {
		fmt.Println(err)
		return
	}

	files, _ := filepath.Glob(out + "-*")
	n := 0
	for _, f := range files {
		b, _ := os.ReadFile(f)
		n += strings.Count(string(b), "\n")
		fmt.Println(filepath.Base(f))
	}
	fmt.Println(n, "vectors")
	reports, _ := os.ReadFile(out + ".reports.jsonl")
	fmt.Print(strings.ReplaceAll(string(reports), dir+string(filepath.Separator), ""))
	// Output:
	// vectors-00000-of-00002
	// vectors-00001-of-00002
	// 2 vectors
	// {"file":"corpus.jsonl","line":3,"problem":"malformed","detail":"\"text\" is a JSON number, want a string","input":"{\"_id\": \"d3\", \"text\": 42}"}
}
