// Package proc reads the memory and CPU time of a process from Linux's
// /proc, for the tests and benchmarks that report or bound them. Where
// /proc is absent, the functions return an error wrapping
// fs.ErrNotExist.
package proc

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Memory is the resident memory of a process, in bytes.
type Memory struct {
	RSS  int64 // resident now (VmRSS)
	Peak int64 // the most resident since start or the last ResetPeak (VmHWM)
}

// path names a file of process pid's /proc folder; pid 0 is this process.
func path(pid int, name string) string {
	if pid == 0 {
		return "/proc/self/" + name
	}
	return fmt.Sprintf("/proc/%d/%s", pid, name)
}

// ReadMemory returns the resident memory of process pid (0: this process).
func ReadMemory(pid int) (Memory, error) {
	p := path(pid, "status")
	data, err := os.ReadFile(p)
	if err != nil {
		return Memory{}, fmt.Errorf("proc: %w", err)
	}
	var m Memory
	found := 0
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || (f[0] != "VmRSS:" && f[0] != "VmHWM:") {
			continue
		}
		kb, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("proc: %s: %q: %w", p, line, err)
		}
		if f[0] == "VmRSS:" {
			m.RSS = kb << 10
		} else {
			m.Peak = kb << 10
		}
		found++
	}
	if found != 2 {
		return Memory{}, fmt.Errorf("proc: %s has no VmRSS and VmHWM lines", p)
	}
	return m, nil
}

// ResetPeak starts this process's Memory.Peak again from its RSS now.
func ResetPeak() error {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return fmt.Errorf("proc: reset the peak RSS: %w", err)
	}
	return nil
}

// CPU returns the CPU time, user and system, that process pid (0: this
// process) has used.
func CPU(pid int) (time.Duration, error) {
	p := path(pid, "stat")
	data, err := os.ReadFile(p)
	if err != nil {
		return 0, fmt.Errorf("proc: %w", err)
	}
	// The fields after the parenthesised command name; utime and stime
	// are fields 14 and 15 of the line, in clock ticks of 1/100 s
	// (USER_HZ).
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 > len(s) {
		return 0, fmt.Errorf("proc: %s: %q", p, s)
	}
	f := strings.Fields(s[i+2:])
	if len(f) < 13 {
		return 0, fmt.Errorf("proc: %s: %q", p, s)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("proc: %s: %q", p, s)
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, nil
}
