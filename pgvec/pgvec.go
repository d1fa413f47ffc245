// Package pgvec converts sparse vectors to and from the SparseVector type
// of github.com/pgvector/pgvector-go, the value Go programs read from and
// write to a pgvector sparsevec column through pgx, database/sql and the
// ORMs pgvector-go supports.
//
// pgvector numbers sparsevec dimensions from 1 in its text form
// ('{1:0.5,3:1.2}/30522'), while SparseVector, like [sparsevec.Vector],
// holds 0-based indices: vocabulary id t is SparseVector index t, written
// t+1 in SQL text. The conversion keeps indices and float32 values exactly.
//
// pgvector's HNSW index takes sparsevec values with at most
// [MaxHNSWNonZeros] non-zero elements; encode with MaxActiveDims (the CLI's
// --max-active-dims) at or below it when the column is to carry such an
// index.
package pgvec

import (
	"fmt"

	"github.com/pgvector/pgvector-go"

	"github.com/splade-go/splade/sparsevec"
)

// MaxHNSWNonZeros is the most non-zero elements a sparsevec value may have
// to be stored in a column with an HNSW index (pgvector 0.7 and later).
const MaxHNSWNonZeros = 1000

// SparseVector returns v as a pgvector-go SparseVector of dimension v.Dim.
// Zero values are left out, as pgvector stores none.
func SparseVector(v sparsevec.Vector) pgvector.SparseVector {
	n := v.Len()
	m := make(map[int32]float32, n)
	for i := range n {
		m[int32(v.Indices[i])] = v.Values[i]
	}
	return pgvector.NewSparseVectorFromMap(m, int32(v.Dim))
}

// FromSparseVector returns the sparsevec.Vector of s, for example one
// scanned from a sparsevec column. It fails on indices that are negative,
// not ascending or not below the dimension.
func FromSparseVector(s pgvector.SparseVector) (sparsevec.Vector, error) {
	idx, vals := s.Indices(), s.Values()
	if len(idx) != len(vals) {
		return sparsevec.Vector{}, fmt.Errorf("pgvec: %d indices but %d values", len(idx), len(vals))
	}
	v := sparsevec.Vector{Dim: int(s.Dimensions()), Indices: make([]uint32, len(idx)), Values: append([]float32(nil), vals...)}
	for i, x := range idx {
		if x < 0 {
			return sparsevec.Vector{}, fmt.Errorf("pgvec: negative index %d", x)
		}
		v.Indices[i] = uint32(x)
	}
	if err := v.Validate(); err != nil {
		return sparsevec.Vector{}, fmt.Errorf("pgvec: %w", err)
	}
	return v, nil
}
