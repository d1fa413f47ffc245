package proc

import (
	"os"
	"runtime"
	"testing"
	"time"
)

// TestReadMemory allocates and touches 64 MiB and sees RSS and the peak
// grow by at least most of it.
func TestReadMemory(t *testing.T) {
	before, err := ReadMemory(0)
	if err != nil {
		t.Skip(err)
	}
	if before.RSS <= 0 || before.Peak < before.RSS {
		t.Fatalf("memory %+v: want 0 < RSS <= Peak", before)
	}
	buf := make([]byte, 64<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	after, err := ReadMemory(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if grew := after.RSS - before.RSS; grew < 48<<20 {
		t.Errorf("RSS grew by %d bytes after touching 64 MiB", grew)
	}
	if after.Peak < after.RSS {
		t.Errorf("peak %d below RSS %d", after.Peak, after.RSS)
	}
	runtime.KeepAlive(buf)
}

// TestCPU spins until the CPU time read grows by 30 ms (a reader that
// never sees it grow fails after 20 s).
func TestCPU(t *testing.T) {
	c0, err := CPU(0)
	if err != nil {
		t.Skip(err)
	}
	x := 0
	for deadline := time.Now().Add(20 * time.Second); ; x++ {
		if x%1_000_000 == 0 {
			c, err := CPU(os.Getpid())
			if err != nil {
				t.Fatal(err)
			}
			if c-c0 >= 30*time.Millisecond {
				return
			}
			if c < c0 || time.Now().After(deadline) {
				t.Fatalf("CPU time went from %v to %v while spinning", c0, c)
			}
		}
	}
}
