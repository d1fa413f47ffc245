package sparsevec

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Vector is a sparse vector of dimension Dim. Indices holds the positions
// of the stored values in strictly ascending order, and Values the values
// at those positions; the two slices have the same length. Every other
// dimension is zero. Use [Vector.Validate] to check a vector that comes
// from outside the program.
type Vector struct {
	Indices []uint32  `json:"indices"`
	Values  []float32 `json:"values"`
	Dim     int       `json:"dim"`
}

// FromDense returns the sparse form of x: the positions where x is not
// zero, in ascending order, and Dim = len(x).
func FromDense(x []float32) Vector {
	n := 0
	for _, f := range x {
		if f != 0 {
			n++
		}
	}
	v := Vector{Indices: make([]uint32, 0, n), Values: make([]float32, 0, n), Dim: len(x)}
	for i, f := range x {
		if f != 0 {
			v.Indices = append(v.Indices, uint32(i))
			v.Values = append(v.Values, f)
		}
	}
	return v
}

// Dense returns v as a dense slice of length v.Dim. Should an index lie
// beyond Dim (an invalid vector), the slice grows to hold it rather than
// losing the value.
func (v Vector) Dense() []float32 {
	n := max(v.Dim, 0)
	m := v.stored()
	for _, i := range v.Indices[:m] {
		n = max(n, int(i)+1)
	}
	x := make([]float32, n)
	for j, i := range v.Indices[:m] {
		x[i] = v.Values[j]
	}
	return x
}

// Len returns the number of stored (non-zero) dimensions of v.
func (v Vector) Len() int { return v.stored() }

// stored is the number of usable (index, value) pairs; it guards against
// slices of different lengths so that no operation panics on a malformed
// vector.
func (v Vector) stored() int { return min(len(v.Indices), len(v.Values)) }

// Dot returns the dot product of a and b. It walks both index lists once,
// in O(a.Len()+b.Len()) time, and does not allocate. The sum is
// accumulated in float64.
func Dot(a, b Vector) float32 {
	ai, av := a.Indices, a.Values
	bi, bv := b.Indices, b.Values
	na, nb := min(len(ai), len(av)), min(len(bi), len(bv))
	ai, av, bi, bv = ai[:na], av[:na], bi[:nb], bv[:nb]
	var sum float64
	i, j := 0, 0
	for i < na && j < nb {
		x, y := ai[i], bi[j]
		switch {
		case x < y:
			i++
		case x > y:
			j++
		default:
			sum += float64(av[i]) * float64(bv[j])
			i++
			j++
		}
	}
	return float32(sum)
}

// Norm returns the Euclidean (L2) norm of v.
func Norm(v Vector) float32 {
	return float32(math.Sqrt(sumSquares(v)))
}

func sumSquares(v Vector) float64 {
	var s float64
	for _, f := range v.Values[:v.stored()] {
		s += float64(f) * float64(f)
	}
	return s
}

// Cosine returns the cosine similarity of a and b, or 0 when either has
// norm 0 (as sentence-transformers' cos_sim does for an all-zero vector).
func Cosine(a, b Vector) float32 {
	return cosine(Dot(a, b), Norm(a), Norm(b))
}

func cosine(dot, na, nb float32) float32 {
	if na == 0 || nb == 0 {
		return 0
	}
	return float32(float64(dot) / (float64(na) * float64(nb)))
}

// Func names a similarity function.
type Func string

// The similarity functions, named as in sentence-transformers'
// similarity_fn_name.
const (
	DotFunc    Func = "dot"
	CosineFunc Func = "cosine"
)

// ParseFunc parses the name of a similarity function: "dot" or "cosine"
// (case and surrounding space ignored). The empty string means [DotFunc],
// the default of SparseEncoder.
func ParseFunc(s string) (Func, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "dot":
		return DotFunc, nil
	case "cosine":
		return CosineFunc, nil
	}
	return "", fmt.Errorf("sparsevec: unknown similarity function %q (want %q or %q)", s, DotFunc, CosineFunc)
}

// Similarity returns the matrix of similarities between every vector of a
// (rows) and every vector of b (columns). fn is [DotFunc] or [CosineFunc];
// any other value is treated as DotFunc, so validate names from users with
// [ParseFunc] first.
func Similarity(a, b []Vector, fn Func) [][]float32 {
	cells := make([]float32, len(a)*len(b))
	rows := make([][]float32, len(a))
	var na, nb []float32
	if fn == CosineFunc {
		na, nb = norms(a), norms(b)
	}
	for i, x := range a {
		row := cells[i*len(b) : (i+1)*len(b) : (i+1)*len(b)]
		for j, y := range b {
			d := Dot(x, y)
			if fn == CosineFunc {
				d = cosine(d, na[i], nb[j])
			}
			row[j] = d
		}
		rows[i] = row
	}
	return rows
}

func norms(vs []Vector) []float32 {
	n := make([]float32, len(vs))
	for i, v := range vs {
		n[i] = Norm(v)
	}
	return n
}

// Sparsity describes how sparse a set of vectors is, with the fields and
// JSON names of sentence-transformers' SparseEncoder.sparsity.
type Sparsity struct {
	// ActiveDims is the mean number of non-zero dimensions per vector.
	ActiveDims float64 `json:"active_dims"`
	// SparsityRatio is 1 - ActiveDims/dim: the mean fraction of zeros.
	SparsityRatio float64 `json:"sparsity_ratio"`
}

// SparsityOf returns the sparsity of vs. Stored values that are exactly
// zero do not count as active. The dimension is the largest Dim of vs;
// when that is not positive SparsityRatio is 0. An empty vs gives the zero
// Sparsity.
func SparsityOf(vs []Vector) Sparsity {
	if len(vs) == 0 {
		return Sparsity{}
	}
	var active, dim int
	for _, v := range vs {
		dim = max(dim, v.Dim)
		for _, f := range v.Values[:v.stored()] {
			if f != 0 {
				active++
			}
		}
	}
	s := Sparsity{ActiveDims: float64(active) / float64(len(vs))}
	if dim > 0 {
		s.SparsityRatio = 1 - s.ActiveDims/float64(dim)
	}
	return s
}

// Entry is one stored dimension of a vector.
type Entry struct {
	Index uint32
	Value float32
}

// Term is one dimension of a vector named by its vocabulary token: what
// decoding a SPLADE vector shows.
type Term struct {
	Token  string  `json:"token"`
	ID     uint32  `json:"id"`
	Weight float32 `json:"weight"`
}

// Terms returns the k heaviest dimensions of v (as Top picks them), named
// by token, heaviest first; never nil.
func Terms(v Vector, k int, token func(id int) string) []Term {
	top := Top(v, k)
	terms := make([]Term, len(top))
	for i, e := range top {
		terms[i] = Term{Token: token(int(e.Index)), ID: e.Index, Weight: e.Value}
	}
	return terms
}

// Top returns the k heaviest entries of v, largest value first; equal
// values come in ascending index order. k <= 0 or k >= v.Len() returns all
// entries. NaN values sort last.
func Top(v Vector, k int) []Entry {
	n := v.stored()
	if k <= 0 || k >= n {
		es := make([]Entry, n)
		for i := range es {
			es[i] = Entry{v.Indices[i], v.Values[i]}
		}
		slices.SortFunc(es, heavierFirst)
		return es
	}
	// Keep the k heaviest seen so far in order; most entries of a long
	// vector lose to the lightest kept one and cost a single comparison.
	es := make([]Entry, 0, k)
	for i := range n {
		e := Entry{v.Indices[i], v.Values[i]}
		if len(es) == k && heavierFirst(e, es[k-1]) >= 0 {
			continue
		}
		at, _ := slices.BinarySearchFunc(es, e, heavierFirst)
		if len(es) == k {
			es = es[:k-1]
		}
		es = slices.Insert(es, at, e)
	}
	return es
}

func heavierFirst(a, b Entry) int {
	if c := cmp.Compare(b.Value, a.Value); c != 0 {
		return c
	}
	return cmp.Compare(a.Index, b.Index)
}

// KeepTop returns v reduced to its k largest values, with indices still
// ascending: the max_active_dims option of sentence-transformers'
// SparseEncoder. Equal values at the cut are kept in ascending index
// order. When k <= 0 or v has at most k entries, KeepTop returns v itself
// (sharing its slices); otherwise the result has new slices.
func (v Vector) KeepTop(k int) Vector {
	if k <= 0 || v.stored() <= k {
		return v
	}
	es := Top(v, k)
	slices.SortFunc(es, func(a, b Entry) int { return cmp.Compare(a.Index, b.Index) })
	out := Vector{Indices: make([]uint32, k), Values: make([]float32, k), Dim: v.Dim}
	for i, e := range es {
		out.Indices[i], out.Values[i] = e.Index, e.Value
	}
	return out
}

// Validate reports whether v is well formed: Indices and Values of equal
// length, indices strictly ascending and below Dim, and every value finite.
// The error names the first offending position.
func (v Vector) Validate() error {
	if len(v.Indices) != len(v.Values) {
		return fmt.Errorf("sparsevec: %d indices but %d values (the two lists must have the same length)", len(v.Indices), len(v.Values))
	}
	if v.Dim < 0 {
		return fmt.Errorf("sparsevec: negative dimension %d", v.Dim)
	}
	for j, i := range v.Indices {
		if int64(i) >= int64(v.Dim) {
			return fmt.Errorf("sparsevec: index %d at position %d is out of range (dimension %d)", i, j, v.Dim)
		}
		if j > 0 && i <= v.Indices[j-1] {
			return fmt.Errorf("sparsevec: index %d at position %d does not follow %d (indices must be strictly ascending)", i, j, v.Indices[j-1])
		}
		if f := float64(v.Values[j]); math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("sparsevec: value %v at position %d (index %d) is not finite", v.Values[j], j, i)
		}
	}
	return nil
}

// Max returns the elementwise maximum of a and b, of dimension the larger
// of theirs: what max pooling makes of two vectors, such as the windows
// of one long text.
func Max(a, b Vector) Vector {
	na, nb := a.stored(), b.stored()
	out := Vector{Indices: make([]uint32, 0, max(na, nb)), Values: make([]float32, 0, max(na, nb)), Dim: max(a.Dim, b.Dim)}
	i, j := 0, 0
	for i < na || j < nb {
		switch {
		case j == nb || (i < na && a.Indices[i] < b.Indices[j]):
			out.Indices, out.Values = append(out.Indices, a.Indices[i]), append(out.Values, a.Values[i])
			i++
		case i == na || b.Indices[j] < a.Indices[i]:
			out.Indices, out.Values = append(out.Indices, b.Indices[j]), append(out.Values, b.Values[j])
			j++
		default:
			out.Indices, out.Values = append(out.Indices, a.Indices[i]), append(out.Values, max(a.Values[i], b.Values[j]))
			i++
			j++
		}
	}
	return out
}
