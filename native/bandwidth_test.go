package native

import (
	"testing"
)

// BenchmarkReadBandwidth reads a 256 MiB buffer (far past the caches) on
// all cores, each core its own half, with the AVX-512 max kernel: the
// memory bandwidth a query's weight stream can hope for (bytes/s).
func BenchmarkReadBandwidth(b *testing.B) {
	buf := make([]float32, 64<<20)
	for i := range buf {
		buf[i] = float32(i)
	}
	c := newCrew(&threads{})
	nw := c.size
	part := len(buf) / nw / panelWidth * panelWidth
	accs := make([][panelWidth]float32, nw)
	b.SetBytes(int64(nw * part * 4))
	for b.Loop() {
		c.parallel(nw, func(_, i int) { maxRows(&accs[i], buf[i*part:(i+1)*part]) })
	}
}
