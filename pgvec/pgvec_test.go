package pgvec

import (
	"slices"
	"strings"
	"testing"

	"github.com/pgvector/pgvector-go"

	"github.com/splade-go/splade/sparsevec"
)

// TestRoundTrip checks the conversion against pgvector-go's own dense
// constructor and text form, written out here: pgvector's text form
// numbers dimensions from 1.
func TestRoundTrip(t *testing.T) {
	v := sparsevec.Vector{Dim: 10, Indices: []uint32{0, 3, 9}, Values: []float32{0.5, -1.25, 3}}
	sv := SparseVector(v)
	dense := pgvector.NewSparseVector([]float32{0.5, 0, 0, -1.25, 0, 0, 0, 0, 0, 3})
	if sv.String() != dense.String() || sv.String() != "{1:0.5,4:-1.25,10:3}/10" {
		t.Errorf("SparseVector = %s, pgvector-go's own = %s, want {1:0.5,4:-1.25,10:3}/10", sv, dense)
	}
	back, err := FromSparseVector(sv)
	if err != nil || back.Dim != v.Dim || !slices.Equal(back.Indices, v.Indices) || !slices.Equal(back.Values, v.Values) {
		t.Errorf("FromSparseVector = %+v, %v; want %+v", back, err, v)
	}
	var parsed pgvector.SparseVector
	if err := parsed.Parse("{2:1.5}/30522"); err != nil {
		t.Fatal(err)
	}
	if got, err := FromSparseVector(parsed); err != nil || got.Dim != 30522 || !slices.Equal(got.Indices, []uint32{1}) {
		t.Errorf("from '{2:1.5}/30522': %+v, %v; want index 1 (vocabulary id 1)", got, err)
	}
	if e := SparseVector(sparsevec.Vector{Dim: 5}); e.Dimensions() != 5 || len(e.Indices()) != 0 {
		t.Errorf("empty vector: %s", e)
	}
	// Values pgvector would never hold: out of range, not ascending.
	for _, bad := range []string{"{11:1}/10", "{3:1,2:1}/10"} {
		var p pgvector.SparseVector
		if err := p.Parse(bad); err != nil {
			t.Fatal(err)
		}
		if _, err := FromSparseVector(p); err == nil || !strings.HasPrefix(err.Error(), "pgvec: ") {
			t.Errorf("FromSparseVector(%s): err = %v", bad, err)
		}
	}
}
