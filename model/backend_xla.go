//go:build cgo && !noxla

package model

// The XLA/PJRT backend loads PJRT plugins with dlopen, so it needs cgo.
// Programs built with CGO_ENABLED=0 (or -tags noxla) have the pure-Go
// backend only.
import _ "github.com/gomlx/go-xla/compute/xla"
