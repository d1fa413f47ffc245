// Package trie holds a byte trie of vocabulary pieces, which the
// tokenizer models walk to find the pieces a text starts with.
package trie

import (
	"slices"
	"unicode/utf8"
)

// Trie is a byte trie of vocabulary pieces that finds the pieces at the
// start of a text in one pass over its bytes. The children of node
// n are at label[first[n]:first[n+1]] (sorted) and child[first[n]:...];
// nodes with many children also have a direct table in dense.
type Trie struct {
	root  [256]int32 // child of the root for each byte, or -1
	id    []int32    // token id of each node, or -1
	first []int32    // start of each node's children in label and child
	label []byte
	child []int32
	dense []int32      // index in tables of each node's direct table, or -1
	table [][256]int32 // direct child tables of the nodes with many children
}

// denseMin is the number of children from which a node gets a direct table.
const denseMin = 12

// New builds the trie of the given pieces (piece -> id); ids must not be
// negative.
func New(pieces map[string]int32) *Trie {
	type edge struct {
		b     byte
		child int32
	}
	type buildNode struct {
		id    int32
		edges []edge
	}
	nodes := []buildNode{{id: -1}}
	// Insert in a fixed order so that the node numbering is deterministic.
	keys := make([]string, 0, len(pieces))
	for k := range pieces {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		n := int32(0)
		for i := 0; i < len(k); i++ {
			next := int32(-1)
			for _, e := range nodes[n].edges {
				if e.b == k[i] {
					next = e.child
					break
				}
			}
			if next < 0 {
				next = int32(len(nodes))
				nodes = append(nodes, buildNode{id: -1})
				nodes[n].edges = append(nodes[n].edges, edge{k[i], next})
			}
			n = next
		}
		nodes[n].id = pieces[k]
	}

	t := &Trie{
		id:    make([]int32, len(nodes)),
		dense: make([]int32, len(nodes)),
		first: make([]int32, len(nodes)+1),
	}
	for i := range t.root {
		t.root[i] = -1
	}
	for n, node := range nodes {
		t.id[n] = node.id
		t.dense[n] = -1
		if len(node.edges) >= denseMin {
			var d [256]int32
			for i := range d {
				d[i] = -1
			}
			for _, e := range node.edges {
				d[e.b] = e.child
			}
			t.dense[n] = int32(len(t.table))
			t.table = append(t.table, d)
		}
		t.first[n] = int32(len(t.label))
		slices.SortFunc(node.edges, func(a, b edge) int { return int(a.b) - int(b.b) })
		for _, e := range node.edges {
			t.label = append(t.label, e.b)
			t.child = append(t.child, e.child)
			if n == 0 {
				t.root[e.b] = e.child
			}
		}
	}
	t.first[len(nodes)] = int32(len(t.label))
	return t
}

// Longest returns the id and length of the longest piece that word starts
// with and that ends on a UTF-8 character boundary, or -1 and 0 when none
// does.
func (t *Trie) Longest(word []byte) (id int32, n int) {
	id = -1
	if len(word) == 0 {
		return id, 0
	}
	node := t.root[word[0]]
	for i := 1; node >= 0; i++ {
		if t.id[node] >= 0 && (i == len(word) || utf8.RuneStart(word[i])) {
			id, n = t.id[node], i
		}
		if i == len(word) {
			break
		}
		node = t.next(node, word[i])
	}
	return id, n
}

// next returns the child of node for byte b, or -1.
func (t *Trie) next(node int32, b byte) int32 {
	if d := t.dense[node]; d >= 0 {
		return t.table[d][b]
	}
	lo, hi := int(t.first[node]), int(t.first[node+1])
	labels := t.label[lo:hi]
	for i, l := range labels { // fewer than denseMin, sorted
		if l >= b {
			if l == b {
				return t.child[lo+i]
			}
			break
		}
	}
	return -1
}

// Prefixes calls yield with the id and length of each piece that s starts
// with, shortest first, until yield returns false.
func (t *Trie) Prefixes(s string, yield func(id int32, n int) bool) {
	if len(s) == 0 {
		return
	}
	node := t.root[s[0]]
	for i := 1; node >= 0; i++ {
		if t.id[node] >= 0 && !yield(t.id[node], i) {
			return
		}
		if i == len(s) {
			return
		}
		node = t.next(node, s[i])
	}
}
