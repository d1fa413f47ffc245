package layout

import (
	"testing"
	"testing/fstest"

	"github.com/splade-go/splade/arch"
)

// TestReadBGEM3: a folder with sparse_linear.pt beside an XLMRobertaModel
// is BGE-M3's layout, its network given the per-token head; without the
// file the same config.json describes a masked-LM model.
func TestReadBGEM3(t *testing.T) {
	files := []string{"config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"}
	for _, c := range []struct {
		head string
		want arch.HeadKind
	}{{"sparse_linear.pt", arch.TokenHead}, {"", arch.MLMHead}} {
		names := files
		if c.head != "" {
			names = append(names, c.head)
		}
		m, err := Read(fixtureFS(t, fstest.MapFS{}, "tiny-bgem3-16002", "", names...))
		if err != nil {
			t.Fatal(err)
		}
		mlm := m.Default.MLM
		if mlm == nil || mlm.Net.Head.Kind != c.want || m.Dim != 16002 || mlm.MaxLength != 64 {
			t.Errorf("with %q: got %+v (head %d), dim %d; want head %d, dim 16002, 64 tokens", c.head, mlm, mlm.Net.Head.Kind, m.Dim, c.want)
		}
	}
}
