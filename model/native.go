package model

import (
	"context"

	"github.com/splade-go/splade/checkpoint"
	"github.com/splade-go/splade/native"
	"github.com/splade-go/splade/sparsevec"
)

// nativeEngine runs a network on the native CPU engine (package native).
type nativeEngine struct{ m *native.Model }

// newNativeEngine packs params for the native engine; it consumes params.
func newNativeEngine(params *checkpoint.Params, opts native.Options) (*nativeEngine, error) {
	m, err := native.New(params, opts)
	if err != nil {
		return nil, err
	}
	return &nativeEngine{m}, nil
}

// encode runs seqs as one batch of packed, unpadded sequences.
func (n *nativeEngine) encode(ctx context.Context, seqs [][]int32) ([]sparsevec.Vector, error) {
	return n.m.Encode(ctx, seqs)
}

func (n *nativeEngine) close() { n.m = nil }
