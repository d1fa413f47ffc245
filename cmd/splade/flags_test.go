package main

import (
	"strings"
	"testing"
)

// TestNumericFlags: every numeric flag out of its range (huge, the
// largest int64, negative, zero where zero means nothing) is refused
// with exit 2 and one line naming the flag, before anything is loaded or
// allocated by its value.
func TestNumericFlags(t *testing.T) {
	const huge, maxInt, minInt = "1000000000", "9223372036854775807", "-9223372036854775808"
	cases := []struct {
		args   []string
		flag   string
		values []string
	}{
		{[]string{"encode", "--model", "x"}, "--batch-size", []string{huge, maxInt, "0", "-1", minInt}},
		{[]string{"encode", "--model", "x"}, "--max-length", []string{maxInt, "-1"}},
		{[]string{"encode", "--model", "x"}, "--max-active-dims", []string{maxInt, "-1"}},
		{[]string{"encode", "--model", "x", "--chunk"}, "--chunk-overlap", []string{maxInt, "-1"}},
		{[]string{"index", "--model", "x", "--out", "x.idx"}, "--batch-size", []string{huge, maxInt}},
		{[]string{"decode", "--model", "x"}, "--top-k", []string{maxInt, "-1"}},
		{[]string{"search", "--model", "x", "--index", "x.idx"}, "--top-k", []string{maxInt, "0", "-1"}},
		{[]string{"eval", "--model", "x", "--dataset", "x"}, "--k", []string{maxInt, "0", "10," + maxInt}},
		{[]string{"serve", "--model", "x"}, "--max-body", []string{maxInt, "0", "-1"}},
		{[]string{"serve", "--model", "x"}, "--max-texts", []string{maxInt, "0", "-1"}},
		{[]string{"serve", "--model", "x"}, "--max-queue", []string{maxInt, "-1"}},
		{[]string{"serve", "--model", "x"}, "--max-concurrent-requests", []string{maxInt, "0", "-1"}},
		{[]string{"serve", "--model", "x"}, "--max-batch-tokens", []string{maxInt, "0", "-1"}},
		{[]string{"bench", "--model", "x"}, "--texts", []string{maxInt, "0"}},
		{[]string{"bench", "--model", "x"}, "--length", []string{maxInt, "2"}},
		{[]string{"bench", "--model", "x"}, "--queries", []string{maxInt, "0"}},
		{[]string{"bench", "--model", "x"}, "--rounds", []string{maxInt, "0"}},
	}
	for _, c := range cases {
		for _, v := range c.values {
			args := append(append([]string{}, c.args...), c.flag, v)
			_, errs, code := runCLI(t, nil, args...)
			lines := strings.Split(strings.TrimSpace(errs), "\n")
			if code != 2 || len(lines) != 1 || !strings.Contains(errs, c.flag) {
				t.Errorf("splade %s: exit %d, stderr %q; want exit 2 and one line naming %s", strings.Join(args, " "), code, errs, c.flag)
			}
		}
	}
}
