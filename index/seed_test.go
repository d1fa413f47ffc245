package index

import (
	"errors"
	"strconv"
	"strings"
)

// quoteGo writes b as a Go string literal, as the fuzz corpus format takes.
func quoteGo(b []byte) string { return strconv.Quote(string(b)) }

// unquoteSeed reads a one-value "go test fuzz v1" file holding a []byte.
func unquoteSeed(raw []byte) ([]byte, error) {
	s := strings.TrimSpace(string(raw))
	head, body, ok := strings.Cut(s, "\n")
	if !ok || head != "go test fuzz v1" || !strings.HasPrefix(body, "[]byte(") || !strings.HasSuffix(body, ")") {
		return nil, errors.New("not a go test fuzz v1 file of one []byte")
	}
	v, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(body, "[]byte("), ")"))
	return []byte(v), err
}
