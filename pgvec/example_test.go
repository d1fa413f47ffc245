package pgvec_test

import (
	"fmt"

	"github.com/splade-go/splade/pgvec"
	"github.com/splade-go/splade/sparsevec"
)

// A SPLADE vector as the sparsevec value of a pgvector column. With pgx and
// pgvector-go's pgx codecs registered (pgxvec.RegisterTypes), the
// SparseVector goes straight into a query:
//
//	conn.Exec(ctx, "INSERT INTO docs (id, embedding) VALUES ($1, $2)", id, pgvec.SparseVector(v))
//	conn.Query(ctx, "SELECT id, -(embedding <#> $1) AS score FROM docs ORDER BY embedding <#> $1 LIMIT 10", pgvec.SparseVector(q))
func Example() {
	// Vocabulary ids 2003 ("is") and 3899 ("weather") of bert-base-uncased.
	v := sparsevec.Vector{Dim: 30522, Indices: []uint32{2003, 3899}, Values: []float32{0.25, 1.5}}

	sv := pgvec.SparseVector(v)
	fmt.Println(sv.Dimensions(), sv.Indices(), sv.Values())
	fmt.Println(sv.String()) // the SQL text form numbers dimensions from 1

	back, err := pgvec.FromSparseVector(sv)
	if err != nil {
		panic(err)
	}
	fmt.Println(sparsevec.Dot(v, back))
	// Output:
	// 30522 [2003 3899] [0.25 1.5]
	// {2004:0.25,3900:1.5}/30522
	// 2.3125
}
