package dbformat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/splade-go/splade/sparsevec"
)

var vocab = []string{"[PAD]", ".", "_", "##.", "the", "weather", "u.s", "##_", "tiny"}

func token(id int) string {
	if id < 0 || id >= len(vocab) {
		return ""
	}
	return vocab[id]
}

// vec has extreme values: tiny, large, and one that needs all 9 digits.
var vec = sparsevec.Vector{
	Indices: []uint32{1, 4, 5, 6, 8},
	Values:  []float32{0.5, 1.2345679, 3e-9, 2.5e22, 0.1},
	Dim:     len(vocab),
}

func line(t *testing.T, f Format, id string, v sparsevec.Vector, opts Options) []byte {
	t.Helper()
	b, err := Append(nil, f, json.RawMessage(id), v, opts)
	if err != nil {
		t.Fatalf("Append(%s): %v", f, err)
	}
	if bytes.Count(b, []byte("\n")) != 1 || b[len(b)-1] != '\n' {
		t.Fatalf("Append(%s) = %q, want one line", f, b)
	}
	return b
}

type pair struct {
	Indices []uint32  `json:"indices"`
	Values  []float32 `json:"values"`
}

func (p pair) vector(dim int) sparsevec.Vector {
	return sparsevec.Vector{Indices: p.Indices, Values: p.Values, Dim: dim}
}

func equal(t *testing.T, f Format, got, want sparsevec.Vector) {
	t.Helper()
	if !reflect.DeepEqual(got.Indices, want.Indices) || !reflect.DeepEqual(got.Values, want.Values) {
		t.Errorf("%s round trip = %v %v, want %v %v", f, got.Indices, got.Values, want.Indices, want.Values)
	}
}

func TestRoundTrip(t *testing.T) {
	opts := Options{Token: token}
	id := `{"doc": [1, "a"]}`
	for _, f := range []Format{JSONL, Qdrant, Milvus, Pinecone} {
		b := line(t, f, id, vec, opts)
		var rec map[string]json.RawMessage
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatalf("%s: %v: %s", f, err, b)
		}
		if string(rec["id"]) != `{"doc":[1,"a"]}` {
			t.Errorf("%s: id = %s", f, rec["id"])
		}
		var p pair
		switch f {
		case JSONL:
			json.Unmarshal(b, &p)
		case Qdrant:
			var q struct{ Vector map[string]pair }
			json.Unmarshal(b, &q)
			p = q.Vector[DefaultQdrantName]
		case Pinecone:
			var q struct {
				SparseValues pair `json:"sparse_values"`
			}
			json.Unmarshal(b, &q)
			p = q.SparseValues
		case Milvus:
			var m map[string]float32
			if err := json.Unmarshal(rec[DefaultMilvusField], &m); err != nil {
				t.Fatalf("milvus: %v: %s", err, b)
			}
			p = pairOf(t, m, 0)
		}
		equal(t, f, p.vector(vec.Dim), vec)
	}
}

// pairOf turns an index -> value map back into a vector, subtracting base
// from the indices.
func pairOf(t *testing.T, m map[string]float32, base uint32) pair {
	var p pair
	for k := range m {
		i, err := strconv.ParseUint(k, 10, 32)
		if err != nil {
			t.Fatalf("index %q: %v", k, err)
		}
		p.Indices = append(p.Indices, uint32(i)-base)
	}
	sortU32(p.Indices)
	for _, i := range p.Indices {
		p.Values = append(p.Values, m[strconv.Itoa(int(i+base))])
	}
	return p
}

func sortU32(s []uint32) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestVectorName(t *testing.T) {
	opts := Options{VectorName: "splade"}
	var q struct{ Vector map[string]pair }
	json.Unmarshal(line(t, Qdrant, "1", vec, opts), &q)
	equal(t, Qdrant, q.Vector["splade"].vector(vec.Dim), vec)

	var m map[string]json.RawMessage
	json.Unmarshal(line(t, Milvus, "1", vec, opts), &m)
	if _, ok := m["splade"]; !ok {
		t.Errorf("milvus field splade missing: %v", m)
	}
}

var pgvectorRE = regexp.MustCompile(`^\{((\d+:[^,:{}/]+)(,\d+:[^,:{}/]+)*)?\}/(\d+)\n$`)

func TestPGVector(t *testing.T) {
	b := line(t, PGVector, "7", vec, Options{})
	m := pgvectorRE.FindSubmatch(b)
	if m == nil {
		t.Fatalf("pgvector line %q is not a sparsevec literal", b)
	}
	if string(m[4]) != strconv.Itoa(vec.Dim) {
		t.Errorf("dimension %s, want %d", m[4], vec.Dim)
	}
	body := strings.TrimSuffix(strings.TrimPrefix(string(b), "{"), "}/9\n")
	got := map[string]float32{}
	for _, kv := range strings.Split(body, ",") {
		k, v, _ := strings.Cut(kv, ":")
		x, err := strconv.ParseFloat(v, 32)
		if err != nil {
			t.Fatal(err)
		}
		got[k] = float32(x)
	}
	// pgvector indices are 1-based.
	equal(t, PGVector, pairOf(t, got, 1).vector(vec.Dim), vec)
	if !strings.HasPrefix(string(b), "{2:0.5,") {
		t.Errorf("pgvector line %q: vocabulary id 1 should be written as 2", b)
	}

	empty := line(t, PGVector, "", sparsevec.Vector{Dim: 30522}, Options{})
	if string(empty) != "{}/30522\n" {
		t.Errorf("empty vector = %q", empty)
	}
}

func TestTokens(t *testing.T) {
	b := line(t, Tokens, `"q1"`, vec, Options{Token: token})
	var rec struct {
		ID     string             `json:"id"`
		Tokens map[string]float32 `json:"tokens"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	want := map[string]float32{"_": 0.5, "the": 1.2345679, "weather": 3e-9, "u_s": 2.5e22, "tiny": 0.1}
	if rec.ID != "q1" || !reflect.DeepEqual(rec.Tokens, want) {
		t.Errorf("tokens = %s %v, want %v", rec.ID, rec.Tokens, want)
	}
	for name := range rec.Tokens {
		if strings.Contains(name, ".") {
			t.Errorf("token %q has a dot", name)
		}
	}
}

func TestTokensCollisionAndNonPositive(t *testing.T) {
	// "." and "_" both become "_", "##." and "##_" both "##_": one key each,
	// with the larger weight. Zero and negative weights are left out.
	v := sparsevec.Vector{
		Indices: []uint32{1, 2, 3, 4, 5, 7},
		Values:  []float32{0.25, 0.75, 2, 0, -1, 1},
		Dim:     len(vocab),
	}
	b := line(t, Tokens, "1", v, Options{Token: token})
	if want := `{"id":1,"tokens":{"##_":2,"_":0.75}}` + "\n"; string(b) != want {
		t.Errorf("got %s want %s", b, want)
	}
	b = line(t, Tokens, "1", v, Options{Token: token, DotReplacement: "<dot>"})
	if want := `{"id":1,"tokens":{"##<dot>":2,"##_":1,"<dot>":0.25,"_":0.75}}` + "\n"; string(b) != want {
		t.Errorf("got %s want %s", b, want)
	}
}

func TestErrors(t *testing.T) {
	bad := sparsevec.Vector{Indices: []uint32{1}, Values: []float32{float32(math.NaN())}, Dim: 9}
	for _, f := range Formats() {
		if _, err := Append(nil, f, json.RawMessage("1"), bad, Options{Token: token}); err == nil {
			t.Errorf("%s: NaN accepted", f)
		}
	}
	if _, err := Append(nil, JSONL, json.RawMessage("{"), vec, Options{}); err == nil {
		t.Error("invalid id accepted")
	}
	if _, err := Append(nil, Tokens, json.RawMessage("1"), sparsevec.Vector{Indices: []uint32{99}, Values: []float32{1}, Dim: 100}, Options{Token: token}); err == nil {
		t.Error("token out of vocabulary accepted")
	}
	if _, err := ParseFormat("csv"); err == nil || !strings.Contains(err.Error(), "pgvector") {
		t.Errorf("ParseFormat(csv) = %v", err)
	}
	if _, err := NewWriter(&bytes.Buffer{}, Tokens, Options{}); err == nil {
		t.Error("tokens without Token accepted")
	}
}

func TestNullID(t *testing.T) {
	if b := line(t, Pinecone, "", sparsevec.Vector{Dim: 3}, Options{}); string(b) != `{"id":null,"sparse_values":{"indices":[],"values":[]}}`+"\n" {
		t.Errorf("got %s", b)
	}
}

func ExampleWriter() {
	v := sparsevec.Vector{Indices: []uint32{2, 1996}, Values: []float32{0.5, 1.25}, Dim: 30522}
	for _, f := range Formats() {
		w, _ := NewWriter(os.Stdout, f, Options{Token: func(id int) string { return map[int]string{2: "a.b", 1996: "the"}[id] }})
		w.Write(json.RawMessage(`"doc-1"`), v)
		w.Flush()
	}
	// Output:
	// {"id":"doc-1","indices":[2,1996],"values":[0.5,1.25]}
	// {"id":"doc-1","tokens":{"a_b":0.5,"the":1.25}}
	// {"id":"doc-1","vector":{"text":{"indices":[2,1996],"values":[0.5,1.25]}}}
	// {"id":"doc-1","sparse_vector":{"2":0.5,"1996":1.25}}
	// {"id":"doc-1","sparse_values":{"indices":[2,1996],"values":[0.5,1.25]}}
	// {3:0.5,1997:1.25}/30522
}

func TestTokenEscaping(t *testing.T) {
	toks := map[int]string{0: `a"b\c`, 1: "<x>&", 2: "tab\there"}
	v := sparsevec.Vector{Indices: []uint32{0, 1, 2}, Values: []float32{1, 2, 3}, Dim: 3}
	b := line(t, Tokens, "0", v, Options{Token: func(id int) string { return toks[id] }})
	var rec struct{ Tokens map[string]float32 }
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	want := map[string]float32{`a"b\c`: 1, "<x>&": 2, "tab\there": 3}
	if !reflect.DeepEqual(rec.Tokens, want) {
		t.Errorf("got %v want %v (%s)", rec.Tokens, want, b)
	}
}

// TestID checks that ID reads back, compacted, the id every JSON format
// writes, and checks the shape of pgvector lines, which hold none.
func TestID(t *testing.T) {
	opts := Options{Token: func(id int) string { return fmt.Sprintf("t%d", id) }}
	for _, f := range Formats() {
		for _, id := range []string{`7`, `"doc 1"`, `{ "a" : [1, 2] }`, `null`} {
			b := line(t, f, id, vec, opts)
			got, err := ID(f, b)
			switch {
			case f == PGVector:
				if err != nil || got != nil {
					t.Errorf("%s: ID = %s, %v; want nil, nil", f, got, err)
				}
			case err != nil:
				t.Errorf("%s %s: %v", f, id, err)
			default:
				var want bytes.Buffer
				json.Compact(&want, []byte(id))
				if string(got) != want.String() {
					t.Errorf("%s: ID = %s, want %s", f, got, want.String())
				}
			}
		}
		for _, bad := range []string{"", "garbage\n", `{"id": 1`} {
			if _, err := ID(f, []byte(bad)); err == nil {
				t.Errorf("%s: ID(%q) gave no error", f, bad)
			}
		}
	}
}
