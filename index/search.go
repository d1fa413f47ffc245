package index

import (
	"cmp"
	"container/heap"
	"fmt"
	"slices"
	"sort"

	"github.com/splade-go/splade/sparsevec"
)

// Hit is one search result: a document id and its score.
type Hit struct {
	ID    string  `json:"id"`
	Score float32 `json:"score"`
}

// SearchOptions configure [Index.Search].
type SearchOptions struct {
	// Exhaustive turns MaxScore pruning off: every document that shares a
	// term with the query is scored. The result is the same; only the
	// work differs.
	Exhaustive bool
}

// boundMargin inflates the upper bounds MaxScore compares with the k-th
// score, so that float64 rounding in sums taken in different orders can
// never prune a document that belongs in the top k (see canEnter).
const boundMargin = 1 + 1e-9

// Search returns the k documents with the largest dot product with the
// query q (a vector of the index's dimension, without negative weights),
// best first. Only documents scoring above 0 are returned, so there may be
// fewer than k; equal scores are ordered by document id, ascending.
func (ix *Index) Search(q sparsevec.Vector, k int, opts SearchOptions) ([]Hit, error) {
	if k <= 0 {
		return nil, fmt.Errorf("index: k = %d; want at least 1", k)
	}
	if err := q.Validate(); err != nil {
		return nil, fmt.Errorf("index: query: %w", err)
	}
	if q.Dim != ix.dim {
		return nil, fmt.Errorf("index: the query has dimension %d, the index %d: encode queries with the model of the index (%s)", q.Dim, ix.dim, ix.model)
	}
	s := searcher{ix: ix, k: k}
	for j, t := range q.Indices {
		w := q.Values[j]
		if w < 0 {
			return nil, fmt.Errorf("index: query weight %v at index %d is negative (SPLADE weights are non-negative)", w, t)
		}
		lo, hi := ix.start[t], ix.start[t+1]
		if w == 0 || lo == hi {
			continue
		}
		s.terms = append(s.terms, term{lo: lo, hi: hi, pos: lo, cur: ix.ordinals[lo], qw: float64(w), ub: float64(w) * float64(ix.maxW[t])})
	}
	if len(s.terms) == 0 {
		return []Hit{}, nil
	}
	s.run(!opts.Exhaustive)
	return s.results(), nil
}

// term is the cursor of one query term over its postings.
type term struct {
	lo, hi, pos uint64  // the term's postings and the current one
	cur         uint32  // the ordinal at pos, or done past the end
	qw          float64 // query weight
	ub          float64 // qw times the term's largest weight
}

// done is the ordinal past every document: the doc of an exhausted cursor.
const done = ^uint32(0)

// set moves t to posting pos.
func (ix *Index) set(t *term, pos uint64) {
	t.pos = pos
	if pos >= t.hi {
		t.cur = done
		return
	}
	t.cur = ix.ordinals[pos]
}

// seek moves t to its first posting with ordinal >= d (galloping, then a
// binary search).
func (ix *Index) seek(t *term, d uint32) {
	if t.cur >= d {
		return
	}
	step := uint64(1)
	lo := t.pos
	hi := lo + step
	for hi < t.hi && ix.ordinals[hi] < d {
		lo = hi
		step *= 2
		hi = lo + step
	}
	// ordinals[lo] < d, and ordinals[hi] >= d when hi is inside the list:
	// the posting wanted is in (lo, end].
	end := min(hi, t.hi-1)
	n := sort.Search(int(end-lo), func(i int) bool { return ix.ordinals[lo+1+uint64(i)] >= d })
	ix.set(t, lo+1+uint64(n))
}

type searcher struct {
	ix    *Index
	k     int
	terms []term
	top   topK
}

// canEnter reports whether a document whose score is at most bound could
// enter the top k: score above 0 while fewer than k are held, then at
// least the k-th score (a document may equal it and still enter, on a
// smaller id). Scores are float32 roundings of float64 sums, and rounding
// is monotonic, so comparing the rounded bound is exact; the margin
// covers the float64 rounding of sums taken in different orders.
func (s *searcher) canEnter(bound float64) bool {
	b := float32(bound * boundMargin)
	if len(s.top.hits) < s.k {
		return b > 0
	}
	return b >= s.top.hits[0].score
}

func (s *searcher) run(prune bool) {
	ix := s.ix
	terms := s.terms
	// Ascending upper bounds: terms[:ne] are the non-essential ones, whose
	// bounds together (prefix[ne-1]) stay below the threshold.
	slices.SortFunc(terms, func(a, b term) int { return cmp.Compare(a.ub, b.ub) })
	prefix := make([]float64, len(terms))
	var sum float64
	for i, t := range terms {
		sum += t.ub
		prefix[i] = sum
	}
	ne := 0
	// next is the smallest current ordinal of the essential terms.
	next := done
	for i := range terms {
		next = min(next, terms[i].cur)
	}
	for {
		if prune {
			moved := false
			for ne < len(terms) && !s.canEnter(prefix[ne]) {
				ne++
				moved = true
			}
			if ne == len(terms) {
				return // no document can reach the threshold
			}
			if moved {
				next = done
				for i := ne; i < len(terms); i++ {
					next = min(next, terms[i].cur)
				}
			}
		}
		d := next
		if d == done {
			return
		}
		// Score d on the essential terms and find the next candidate in
		// the same pass.
		var score float64
		next = done
		for i := ne; i < len(terms); i++ {
			t := &terms[i]
			if t.cur == d {
				score += t.qw * float64(ix.weight(t.pos))
				ix.set(t, t.pos+1)
			}
			next = min(next, t.cur)
		}
		pruned := false
		if ne > 0 {
			for i := ne - 1; i >= 0; i-- {
				if !s.canEnter(score + prefix[i]) {
					pruned = true
					break
				}
				t := &terms[i]
				ix.seek(t, d)
				if t.cur == d {
					score += t.qw * float64(ix.weight(t.pos))
					ix.set(t, t.pos+1)
				}
			}
		}
		if !pruned {
			s.top.offer(s.k, d, float32(score), ix.ids)
		}
	}
}

func (s *searcher) results() []Hit {
	h := s.top.hits
	slices.SortFunc(h, func(a, b scored) int { return -s.top.compare(a, b) })
	out := make([]Hit, len(h))
	for i, e := range h {
		out[i] = Hit{ID: s.ix.ids[e.doc], Score: e.score}
	}
	return out
}

type scored struct {
	doc   uint32
	score float32
}

// topK is a min-heap of the best documents so far: the worst at hits[0].
type topK struct {
	hits []scored
	ids  []string
}

// compare orders a before b when a is worse: a lower score, or the same
// score and a larger id.
func (h *topK) compare(a, b scored) int {
	if c := cmp.Compare(a.score, b.score); c != 0 {
		return c
	}
	return -cmp.Compare(h.ids[a.doc], h.ids[b.doc])
}

func (h *topK) Len() int           { return len(h.hits) }
func (h *topK) Less(i, j int) bool { return h.compare(h.hits[i], h.hits[j]) < 0 }
func (h *topK) Swap(i, j int)      { h.hits[i], h.hits[j] = h.hits[j], h.hits[i] }
func (h *topK) Push(x any)         { h.hits = append(h.hits, x.(scored)) }
func (h *topK) Pop() any {
	e := h.hits[len(h.hits)-1]
	h.hits = h.hits[:len(h.hits)-1]
	return e
}

// offer considers document d with score s.
func (h *topK) offer(k int, d uint32, s float32, ids []string) {
	if !(s > 0) {
		return
	}
	h.ids = ids
	e := scored{d, s}
	if len(h.hits) < k {
		heap.Push(h, e)
		return
	}
	if h.compare(e, h.hits[0]) > 0 {
		h.hits[0] = e
		heap.Fix(h, 0)
	}
}
