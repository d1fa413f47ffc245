package reference

import "testing"

func TestVectorDiff(t *testing.T) {
	wantIdx, wantVal := []uint32{2, 5, 9}, []float32{1, 0.5, 2}
	for _, tc := range []struct {
		name   string
		idx    []uint32
		val    []float32
		wantOK bool
	}{
		{"equal", []uint32{2, 5, 9}, []float32{1, 0.5, 2}, true},
		{"within tolerance", []uint32{2, 5, 9}, []float32{1.00015, 0.5, 2}, true},
		{"tiny extra index", []uint32{2, 3, 5, 9}, []float32{1, 5e-5, 0.5, 2}, true},
		{"value off", []uint32{2, 5, 9}, []float32{1.001, 0.5, 2}, false},
		{"missing index", []uint32{2, 9}, []float32{1, 2}, false},
		{"extra index", []uint32{2, 3, 5, 9}, []float32{1, 0.01, 0.5, 2}, false},
	} {
		_, problems := VectorDiff(tc.idx, tc.val, wantIdx, wantVal, AbsTol, RelTol)
		if ok := problems == ""; ok != tc.wantOK {
			t.Errorf("%s: problems %q, want ok=%v", tc.name, problems, tc.wantOK)
		}
	}
}
