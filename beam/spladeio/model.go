package spladeio

import (
	"context"
	"fmt"
	"sync"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/hub"
	"github.com/splade-go/splade/model"
)

// Model names a model and its settings, as the splade command's model
// flags do. It is part of the pipeline (serialised with the DoFns), so
// every field is exported and plain.
type Model struct {
	Name          string      // a local folder or a Hugging Face hub id
	Revision      string      // hub revision ("": main)
	Kind          splade.Kind // splade.KindQuery, KindDocument, or KindDefault
	MaxLength     int         // most tokens per text (0: the model's)
	Pooling       string      // max or sum ("": the model's)
	Activation    string      // relu or log1p_relu ("": the model's)
	Precision     string      // fp32 or bf16 ("": fp32)
	BatchSize     int         // texts per forward pass (0: model.DefaultBatchSize)
	MaxActiveDims int         // keep the k largest weights (0: all)
	Backend       string      // the engine ("": the fastest exact one here)
}

// Check reports an unusable setting before the pipeline runs.
func (m Model) Check() error {
	switch {
	case m.Name == "":
		return fmt.Errorf("spladeio: no model name (a local folder or a Hugging Face hub id)")
	case m.MaxLength < 0 || m.BatchSize < 0 || m.MaxActiveDims < 0:
		return fmt.Errorf("spladeio: negative max length, batch size or max active dims")
	}
	if _, err := splade.ParseKind(string(m.Kind)); err != nil {
		return fmt.Errorf("spladeio: %w", err)
	}
	return m.settings().Validate()
}

func (m Model) settings() splade.Settings {
	return splade.Settings{MaxLength: m.MaxLength, Pooling: splade.Pooling(m.Pooling), Activation: splade.Activation(m.Activation), Precision: splade.Precision(m.Precision)}
}

func (m Model) batchSize() int {
	if m.BatchSize > 0 {
		return m.BatchSize
	}
	return model.DefaultBatchSize
}

// encoders is the process-wide cache of loaded encoders (see the package
// documentation): one entry per Model, loaded on first use.
var encoders = struct {
	mu sync.Mutex
	m  map[Model]*cached
}{m: map[Model]*cached{}}

type cached struct {
	mu  sync.Mutex // held while loading
	enc *model.Encoder
}

// load returns the encoder of m, loading it on the first call in this
// process. A failed load is not cached: the next call tries again (a
// runner retries a bundle after a passing network error).
func load(ctx context.Context, m Model) (*model.Encoder, error) {
	encoders.mu.Lock()
	c := encoders.m[m]
	if c == nil {
		c = &cached{}
		encoders.m[m] = c
	}
	encoders.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.enc != nil {
		return c.enc, nil
	}
	s := m.settings()
	enc, err := model.Load(ctx, m.Name, model.Options{
		MaxLength:     m.MaxLength,
		Pooling:       s.Pooling,
		Activation:    s.Activation,
		Precision:     s.Precision,
		BatchSize:     m.BatchSize,
		MaxActiveDims: m.MaxActiveDims,
		Backend:       m.Backend,
		Hub:           hub.Options{Revision: m.Revision},
	})
	if err != nil {
		return nil, fmt.Errorf("spladeio: loading model %s: %w", m.Name, err)
	}
	c.enc = enc
	return enc, nil
}
