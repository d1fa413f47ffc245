package hf

import (
	"strings"
	"unicode/utf8"
)

// Encode returns prefix, the ids appendIDs appends, and suffix, truncated
// as HuggingFace truncates one text: when the ids are more than maxLen
// leaves room for beside the special tokens, the first are kept; the
// special tokens are always there. maxLen <= 0 stands for defaultLen,
// and when that is 0 too nothing is truncated. appendIDs appends to dst
// and may stop once len(dst) >= limit when limit >= 0; guess is the
// expected number of ids, for the first allocation.
func Encode(prefix, suffix []int32, maxLen, defaultLen, guess int, appendIDs func(dst []int32, limit int) []int32) []int32 {
	if maxLen <= 0 {
		maxLen = defaultLen
	}
	limit := -1 // ids to produce before the suffix, prefix included
	capacity := guess + len(prefix) + len(suffix) + 1
	if maxLen > 0 {
		limit = max(maxLen-len(suffix), len(prefix))
		capacity = min(capacity, limit+len(suffix))
	}
	ids := make([]int32, len(prefix), capacity)
	copy(ids, prefix)
	ids = appendIDs(ids, limit)
	if limit >= 0 && len(ids) > limit {
		ids = ids[:limit]
	}
	return append(ids, suffix...)
}

// ValidUTF8 returns s with each invalid byte read as U+FFFD, the
// replacement character, as Python's errors="replace" reads it.
func ValidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r)
	}
	return b.String()
}
