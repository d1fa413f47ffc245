package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/splade-go/splade/internal/testutil/reference"
)

// TestBinary builds the splade command and checks what only a real
// process shows: exit statuses and signals.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	dir := reference.Fixture(t, "tiny-bert")
	bin := filepath.Join(t.TempDir(), "splade")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	t.Run("exit status", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			code int
		}{
			{[]string{"encode", "--model", dir, "hello"}, 0},
			{[]string{"--help"}, 0},
			{nil, 2},
			{[]string{"encode", "--model", dir, "--bogus", "hello"}, 2},
			{[]string{"encode", "--model", filepath.Join(dir, "missing"), "hello"}, 1},
			{[]string{"encode", "--model", "no-such-org/no-such-model", "hello"}, 1},
		} {
			cmd := exec.Command(bin, tc.args...)
			cmd.Env = append(os.Environ(), "HF_HUB_OFFLINE=1", "HF_HUB_CACHE="+t.TempDir())
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := cmd.ProcessState.ExitCode()
			if code != tc.code {
				t.Errorf("splade %v: exit %d (%v), want %d\nstderr: %s", tc.args, code, err, tc.code, stderr.String())
			}
			if code == 1 && (strings.Count(stderr.String(), "\n") != 1 || !strings.HasPrefix(stderr.String(), "splade: ")) {
				t.Errorf("splade %v: stderr is not one \"splade: ...\" line: %q", tc.args, stderr.String())
			}
			if strings.Contains(stderr.String(), "panic") || strings.Contains(stderr.String(), "goroutine ") {
				t.Errorf("splade %v panicked: %s", tc.args, stderr.String())
			}
			if code == 0 && len(tc.args) > 0 && tc.args[0] == "encode" {
				var r vectorLine
				if err := json.Unmarshal([]byte(stdout.String()), &r); err != nil || len(r.Indices) == 0 {
					t.Errorf("splade %v: output %q", tc.args, stdout.String())
				}
			}
		}
	})

	t.Run("SIGINT keeps finished lines", func(t *testing.T) {
		cmd := exec.Command(bin, "encode", "--model", dir, "--batch-size", "2")
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer cmd.Process.Kill()
		const chunk = 2 * 2
		for i := range chunk + 1 {
			fmt.Fprintf(stdin, "text %d\n", i)
		}
		// Stdin stays open: wait for the first two batches, then interrupt.
		r := bufio.NewReader(stdout)
		n := 0
		for ; n < chunk; n++ {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("after %d lines: %v; stderr: %s", n, err, stderr.String())
			}
			var v vectorLine
			if json.Unmarshal([]byte(line), &v) != nil || string(v.ID) != fmt.Sprint(n) {
				t.Fatalf("line %d: %q", n, line)
			}
		}
		cmd.Process.Signal(syscall.SIGINT)
		rest, _ := io.ReadAll(r)
		err := cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != 130 {
			t.Errorf("exit %d (%v) after SIGINT, want 130; stderr %q", code, err, stderr.String())
		}
		if len(rest) > 0 && rest[len(rest)-1] != '\n' {
			t.Errorf("a partial line after SIGINT: %q", rest)
		}
		if !strings.Contains(stderr.String(), "interrupted") {
			t.Errorf("stderr %q", stderr.String())
		}
	})

	t.Run("serve SIGTERM", func(t *testing.T) {
		cmd := exec.Command(bin, "serve", "--model", dir, "--addr", "127.0.0.1:0")
		stderr, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer cmd.Process.Kill()
		r := bufio.NewReader(stderr)
		line, err := r.ReadString('\n')
		m := listenRE.FindStringSubmatch(line)
		if err != nil || m == nil {
			t.Fatalf("first stderr line %q (%v), want the address", line, err)
		}
		resp, err := http.Get("http://" + m[1] + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("healthz: %d", resp.StatusCode)
		}
		cmd.Process.Signal(syscall.SIGTERM)
		go io.Copy(io.Discard, r)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
			if code := cmd.ProcessState.ExitCode(); code != 0 {
				t.Errorf("exit %d after SIGTERM, want 0", code)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop after SIGTERM")
		}
	})
}
