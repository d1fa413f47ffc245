package model

import "testing"

func TestExactXLA(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"xla:cuda", "xla:cuda,tf32=false"},
		{"xla:/opt/p/xla_cuda_plugin.so", "xla:/opt/p/xla_cuda_plugin.so,tf32=false"},
		{"xla:cuda,tf32=true", "xla:cuda,tf32=true"},
		{"xla:cuda,preallocate=false,tf32=false", "xla:cuda,preallocate=false,tf32=false"},
		{"xla:cuda,preallocate=true", "xla:cuda,preallocate=true,tf32=false"},
		{"xla:cpu,tf32", "xla:cpu,tf32"},
		{"xla:cuda,notf32", "xla:cuda,notf32"},
	} {
		if got := exactXLA(c.in); got != c.want {
			t.Errorf("exactXLA(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
