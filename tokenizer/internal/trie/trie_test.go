package trie

import (
	"fmt"
	"testing"
)

func TestTrie(t *testing.T) {
	pieces := map[string]int32{"a": 1, "ab": 2, "abc": 3, "b": 4, "é": 5, "éa": 6}
	// Enough children at one node for its direct table.
	for c := 'c'; c < 'c'+denseMin; c++ {
		pieces["x"+string(c)] = int32(10 + c - 'c')
	}
	tr := New(pieces)
	var got []string
	tr.Prefixes("abcd", func(id int32, n int) bool { got = append(got, fmt.Sprint(id, ":", n)); return true })
	if fmt.Sprint(got) != "[1:1 2:2 3:3]" {
		t.Errorf("Prefixes(abcd) = %v, want [1:1 2:2 3:3]", got)
	}
	got = nil
	tr.Prefixes("abcd", func(id int32, n int) bool { got = append(got, fmt.Sprint(id)); return false })
	if fmt.Sprint(got) != "[1]" {
		t.Errorf("Prefixes stopped by yield = %v, want [1]", got)
	}
	for _, c := range []struct {
		word string
		id   int32
		n    int
	}{{"abx", 2, 2}, {"éab", 6, 3}, {"zz", -1, 0}, {"", -1, 0}, {"xe!", 12, 2}, {"x", -1, 0}} {
		if id, n := tr.Longest([]byte(c.word)); id != c.id || n != c.n {
			t.Errorf("Longest(%q) = %d %d, want %d %d", c.word, id, n, c.id, c.n)
		}
	}
	// A piece that ends inside a character is not a match for Longest.
	tr = New(map[string]int32{"\xc3": 1})
	if id, _ := tr.Longest([]byte("é")); id != -1 {
		t.Errorf("Longest matched half a character: %d", id)
	}
}
