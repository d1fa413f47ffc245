package sparsevec

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// PruneType names one of the pruning rules of OpenSearch's neural-search
// plugin (its sparse_encoding ingest processor and neural_sparse query
// take them as "prune_type").
type PruneType string

// The pruning rules. Each keeps the entries of a vector that pass a test
// set by the prune ratio r:
const (
	// PruneNone keeps every entry; OpenSearch spells it "none".
	PruneNone PruneType = ""
	// PruneTopK keeps the r largest weights (r a positive integer).
	PruneTopK PruneType = "top_k"
	// PruneMaxRatio keeps the weights w >= r * max (0 <= r < 1).
	PruneMaxRatio PruneType = "max_ratio"
	// PruneAlphaMass keeps, in decreasing order of weight, the weights
	// whose running sum stays <= r * total (0 <= r < 1).
	PruneAlphaMass PruneType = "alpha_mass"
	// PruneAbsValue keeps the weights w >= r (r >= 0).
	PruneAbsValue PruneType = "abs_value"
)

// pruneTypes lists the rules in the order error messages name them.
var pruneTypes = []PruneType{PruneTopK, PruneMaxRatio, PruneAlphaMass, PruneAbsValue}

// ParsePruneType returns the rule that s names: top_k, max_ratio,
// alpha_mass, abs_value, or none (or the empty string) for no pruning.
func ParsePruneType(s string) (PruneType, error) {
	if s == "none" || s == "" {
		return PruneNone, nil
	}
	if t := PruneType(s); slices.Contains(pruneTypes, t) {
		return t, nil
	}
	return "", fmt.Errorf("sparsevec: unknown prune type %q (want top_k, max_ratio, alpha_mass, abs_value or none)", s)
}

// Prune is a pruning rule with its ratio: OpenSearch's prune_type and
// prune_ratio. The zero value prunes nothing.
type Prune struct {
	Type PruneType
	// Ratio is the rule's parameter, a float32 as OpenSearch holds it:
	// k for PruneTopK, the ratio for PruneMaxRatio and PruneAlphaMass,
	// the threshold for PruneAbsValue.
	Ratio float32
}

// ParsePrune parses "TYPE:VALUE", such as "max_ratio:0.1" or "top_k:64";
// "" and "none" are no pruning. The result is validated (see
// [Prune.Validate]).
func ParsePrune(s string) (Prune, error) {
	name, value, hasValue := strings.Cut(strings.TrimSpace(s), ":")
	t, err := ParsePruneType(name)
	if err != nil {
		return Prune{}, err
	}
	if t == PruneNone {
		if hasValue {
			return Prune{}, fmt.Errorf("sparsevec: prune %q: none takes no value", s)
		}
		return Prune{}, nil
	}
	if !hasValue || value == "" {
		return Prune{}, fmt.Errorf("sparsevec: prune %q: missing value; want %s:VALUE, such as %s", s, t, t.example())
	}
	r, err := strconv.ParseFloat(value, 32)
	if err != nil {
		return Prune{}, fmt.Errorf("sparsevec: prune %q: value %q is not a number; want %s:VALUE, such as %s", s, value, t, t.example())
	}
	p := Prune{Type: t, Ratio: float32(r)}
	if err := p.Validate(); err != nil {
		return Prune{}, err
	}
	return p, nil
}

func (t PruneType) example() string {
	switch t {
	case PruneTopK:
		return "top_k:64"
	case PruneAbsValue:
		return "abs_value:0.2"
	}
	return string(t) + ":0.1"
}

// Validate reports whether p's ratio suits its rule, as OpenSearch checks
// it: a positive integer for top_k, 0 <= r < 1 for max_ratio and
// alpha_mass, r >= 0 for abs_value, and no ratio for none.
func (p Prune) Validate() error {
	r := float64(p.Ratio)
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return fmt.Errorf("sparsevec: prune ratio %v of %s is not a finite number", p.Ratio, p.typeName())
	}
	switch p.Type {
	case PruneNone:
		if r != 0 {
			return fmt.Errorf("sparsevec: prune ratio %v given without a prune type; set one of top_k, max_ratio, alpha_mass or abs_value", p.Ratio)
		}
	case PruneTopK:
		if r <= 0 || r != math.Floor(r) {
			return fmt.Errorf("sparsevec: top_k prune ratio %v must be a positive integer (the number of weights kept)", p.Ratio)
		}
	case PruneMaxRatio, PruneAlphaMass:
		if r < 0 || r >= 1 {
			return fmt.Errorf("sparsevec: %s prune ratio %v must be in [0, 1)", p.Type, p.Ratio)
		}
	case PruneAbsValue:
		if r < 0 {
			return fmt.Errorf("sparsevec: abs_value prune ratio %v must not be negative", p.Ratio)
		}
	default:
		_, err := ParsePruneType(string(p.Type))
		return err
	}
	return nil
}

func (p Prune) typeName() string {
	if p.Type == PruneNone {
		return "none"
	}
	return string(p.Type)
}

// String returns p as ParsePrune reads it ("none" for no pruning).
func (p Prune) String() string {
	if p.Type == PruneNone {
		return "none"
	}
	return string(p.Type) + ":" + strconv.FormatFloat(float64(p.Ratio), 'g', -1, 32)
}

// Prune returns v reduced by the rule p, with its indices still
// ascending, computing in float32 as OpenSearch does. Weights are
// expected positive, as SPLADE's are (OpenSearch refuses others). Where
// OpenSearch leaves the choice among equal weights to a hash map's order
// (top_k and alpha_mass at the cut), Prune keeps the lower indices. The
// zero Prune and an invalid one return v itself, which shares v's
// slices; check rules from users with [Prune.Validate] or [ParsePrune].
func (v Vector) Prune(p Prune) Vector {
	if p.Type == PruneNone || p.Validate() != nil {
		return v
	}
	n := v.stored()
	r := p.Ratio
	switch p.Type {
	case PruneTopK:
		return v.KeepTop(int(r))
	case PruneMaxRatio:
		var top float32
		for i, f := range v.Values[:n] {
			if i == 0 || f > top {
				top = f
			}
		}
		threshold := float32(r * top)
		return v.keep(func(f float32) bool { return f >= threshold })
	case PruneAbsValue:
		return v.keep(func(f float32) bool { return f >= r })
	case PruneAlphaMass:
		var total float64
		for _, f := range v.Values[:n] {
			total += float64(f)
		}
		budget := float32(r * float32(total))
		es := Top(v, 0)
		var running float32
		k := 0
		for _, e := range es {
			running += e.Value
			if !(running <= budget) {
				break
			}
			k++
		}
		if k == 0 {
			return Vector{Indices: []uint32{}, Values: []float32{}, Dim: v.Dim}
		}
		return v.KeepTop(k)
	}
	return v
}

// keep returns the entries of v whose value passes.
func (v Vector) keep(pass func(float32) bool) Vector {
	n := v.stored()
	out := Vector{Indices: []uint32{}, Values: []float32{}, Dim: v.Dim}
	for i := range n {
		if pass(v.Values[i]) {
			out.Indices = append(out.Indices, v.Indices[i])
			out.Values = append(out.Values, v.Values[i])
		}
	}
	return out
}
