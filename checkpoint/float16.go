package checkpoint

import (
	"encoding/binary"
	"math"
	"math/bits"
	"unsafe"

	"github.com/splade-go/splade/internal/hugepage"
)

// halfToFloat32 converts an IEEE 754 binary16 value to float32, exactly.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch exp {
	case 0:
		// Zero or subnormal: mant × 2⁻²⁴, exact in float32.
		v := float32(mant) * (1.0 / (1 << 24))
		return math.Float32frombits(math.Float32bits(v) | sign)
	case 0x1f:
		// Inf or NaN; the NaN payload moves to the top of the float32 mantissa.
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	default:
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	}
}

// float32ToHalf converts a float32 to the nearest binary16 value (ties to
// even). Values beyond the binary16 range become ±Inf; NaN stays NaN.
func float32ToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant == 0 {
			return sign | 0x7c00
		}
		return sign | 0x7c00 | 0x200 | uint16(mant>>13) // quiet NaN
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		// Subnormal half (or zero): the value in units of 2⁻²⁴ is
		// (mant | implicit bit) >> (14-e), rounded.
		if e < -10 {
			return sign
		}
		m := mant | 0x800000
		shift := uint(14 - e)
		return sign | uint16(roundShift(m, shift))
	}
	// Normal: keep 10 of the 23 mantissa bits, rounded; a carry may bump
	// the exponent, up to Inf, which is the correct result.
	return sign | uint16(uint32(e)<<10+roundShift(mant, 13))
}

// roundShift returns m >> shift rounded to nearest, ties to even.
func roundShift(m uint32, shift uint) uint32 {
	r := m >> shift
	half := uint32(1) << (shift - 1)
	rest := m & (half<<1 - 1)
	if rest > half || (rest == half && r&1 == 1) {
		r++
	}
	return r
}

// bfloat16ToFloat32 converts a bfloat16 value (the top half of a float32) to
// float32, exactly.
func bfloat16ToFloat32(h uint16) float32 {
	return math.Float32frombits(uint32(h) << 16)
}

// float32ToBfloat16 rounds a float32 to the nearest bfloat16 (ties to even);
// NaN stays NaN.
func float32ToBfloat16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x40 // quiet NaN
	}
	return uint16(roundShift(b, 16))
}

// elemType describes an element type of a weight file.
type elemType struct {
	name  string // safetensors spelling: F32, F16, BF16, F64, I64, ...
	size  int    // bytes per element
	float bool   // decoded to float32; other tensors are skipped
}

var (
	dtF32  = elemType{"F32", 4, true}
	dtF16  = elemType{"F16", 2, true}
	dtBF16 = elemType{"BF16", 2, true}
	dtF64  = elemType{"F64", 8, true}
)

// safetensorsDtype returns the element type named in a safetensors header.
func safetensorsDtype(name string) (elemType, bool) {
	switch name {
	case "F32":
		return dtF32, true
	case "F16":
		return dtF16, true
	case "BF16":
		return dtBF16, true
	case "F64":
		return dtF64, true
	case "I64", "U64":
		return elemType{name, 8, false}, true
	case "I32", "U32":
		return elemType{name, 4, false}, true
	case "I16", "U16":
		return elemType{name, 2, false}, true
	case "I8", "U8", "BOOL":
		return elemType{name, 1, false}, true
	}
	return elemType{}, false
}

// decodeFloats converts little-endian elements of type t from src into dst;
// len(src) must be len(dst)*t.size.
func decodeFloats(t elemType, src []byte, dst []float32) {
	if t == dtF32 {
		copy(floatBytes(dst), src)
		fromLittleEndian(dst)
		return
	}
	convertFloats(t, src, dst, halfTable(t, len(dst)))
}

// convertFloats is decodeFloats of a type other than F32, converting F16
// through table (from halfTable) when it is not nil.
func convertFloats(t elemType, src []byte, dst []float32, table []float32) {
	switch t {
	case dtF32:
		decodeFloats(t, src, dst)
	case dtF16:
		src = src[:2*len(dst)]
		if table == nil {
			for i := range dst {
				dst[i] = halfToFloat32(uint16(src[2*i]) | uint16(src[2*i+1])<<8)
			}
			break
		}
		table = table[:1<<16]
		for i := range dst {
			dst[i] = table[uint16(src[2*i])|uint16(src[2*i+1])<<8]
		}
	case dtBF16:
		src = src[:2*len(dst)]
		for i := range dst {
			dst[i] = math.Float32frombits(uint32(src[2*i])<<16 | uint32(src[2*i+1])<<24)
		}
	case dtF64:
		src = src[:8*len(dst)]
		for i := range dst {
			dst[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:])))
		}
	}
}

// halfTable returns, for an F16 tensor of n elements from f16TableMin on,
// a table of the float32 value of every half (a large tensor, such as an
// embedding table, then costs one load per element instead of a branchy
// conversion, which matters in WebAssembly, where the edge worker decodes
// its F16 weights on every cold start); else nil.
func halfTable(t elemType, n int) []float32 {
	if t != dtF16 || n < f16TableMin {
		return nil
	}
	table := make([]float32, 1<<16)
	for h := range table {
		table[h] = halfToFloat32(uint16(h))
	}
	return table
}

// f16TableMin is the tensor size from which F16 is converted through a
// table: building the table costs 65,536 conversions.
const f16TableMin = 1 << 18

// floatBytes is the memory of f as bytes, in the CPU's byte order: reading
// little-endian F32 into it decodes f with one copy.
func floatBytes(f []float32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(f))), 4*len(f))
}

// fromLittleEndian turns f, whose bytes (floatBytes) hold little-endian
// float32 values, into float32 values of the CPU; nothing to do on a
// little-endian CPU.
func fromLittleEndian(f []float32) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) == 1 {
		return
	}
	for i, v := range f {
		f[i] = math.Float32frombits(bits.ReverseBytes32(math.Float32bits(v)))
	}
}

// makeFloats returns n zero float32 values for a tensor's data, in huge
// pages where it is large (see package hugepage): loading writes each
// value once, and on 4 KiB pages the page faults cost more than the copy.
func makeFloats(n int) []float32 { return hugepage.Make[float32](n) }

// encodeFloats appends src to dst as little-endian elements of type t
// (F32, F16 or BF16).
func encodeFloats(t elemType, dst []byte, src []float32) []byte {
	switch t.name {
	case "F32":
		for _, v := range src {
			dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(v))
		}
	case "F16":
		for _, v := range src {
			dst = binary.LittleEndian.AppendUint16(dst, float32ToHalf(v))
		}
	case "BF16":
		for _, v := range src {
			dst = binary.LittleEndian.AppendUint16(dst, float32ToBfloat16(v))
		}
	}
	return dst
}
