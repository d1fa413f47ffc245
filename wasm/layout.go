package wasm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/splade-go/splade/checkpoint"
	"github.com/splade-go/splade/wordpiece"
)

// loader reads one model folder; models caches the pipelines by folder so
// that a Router whose routes share a module loads it once.
type loader struct {
	fsys   fs.FS
	opts   LoadOptions
	models map[string]*pipeline
}

func (l *loader) exists(name string) bool {
	_, err := fs.Stat(l.fsys, name)
	return err == nil
}

func (l *loader) readJSON(name string, v any) error {
	data, err := fs.ReadFile(l.fsys, name)
	if err != nil {
		return fmt.Errorf("wasm: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("wasm: %s: %v", name, err)
	}
	return nil
}

func (l *loader) load() (*Encoder, error) {
	switch {
	case l.exists("modules.json"):
		return l.loadModules()
	case l.exists("config.json"):
		if static, err := l.isStaticModule("."); err != nil {
			return nil, err
		} else if static {
			q, err := l.static(".")
			if err != nil {
				return nil, err
			}
			return l.encoder(q, nil, q)
		}
		doc, err := l.mlm(".", "")
		if err != nil {
			return nil, err
		}
		if !l.exists("idf.json") {
			return l.encoder(doc, doc, doc)
		}
		// OpenSearch inference-free layout: the document model with the
		// query idf table beside it.
		q, err := l.idf(".", doc.tok)
		if err != nil {
			return nil, err
		}
		return l.encoder(q, doc, doc)
	case l.exists("idf.json"):
		tok, err := l.tokenizer(".")
		if err != nil {
			return nil, err
		}
		q, err := l.idf(".", tok)
		if err != nil {
			return nil, err
		}
		return l.encoder(q, nil, q)
	}
	return nil, errors.New("wasm: the folder has no config.json, modules.json or idf.json; want a BERT/DistilBERT masked-LM folder, a sentence-transformers SparseEncoder folder, or an inference-free folder (tokenizer + idf.json)")
}

// encoder checks that the pipelines agree on the dimension and builds the
// Encoder; query and def must not be nil.
func (l *loader) encoder(query, document, def *pipeline) (*Encoder, error) {
	e := &Encoder{query: query, document: document, def: def, tok: query.tok}
	if document != nil {
		e.tok = document.tok
	}
	for _, p := range []*pipeline{document, query} {
		if p != nil && p.model != nil {
			e.dim = p.model.vocab
		}
	}
	if e.dim == 0 {
		e.dim = max(len(query.weight), query.tok.VocabSize())
	}
	for _, p := range []*pipeline{query, document, def} {
		if p == nil {
			continue
		}
		if p.model != nil && p.model.vocab != e.dim {
			return nil, fmt.Errorf("wasm: the query and document models have vocabularies of %d and %d tokens; they must share one", p.model.vocab, e.dim)
		}
		if p.model == nil && len(p.weight) > e.dim {
			return nil, fmt.Errorf("wasm: the static query weights have %d entries, more than the %d-token vocabulary", len(p.weight), e.dim)
		}
	}
	return e, nil
}

// stModule is one entry of sentence-transformers' modules.json.
type stModule struct {
	Path string `json:"path"`
	Type string `json:"type"`
}

// moduleClass returns the class name of a module type path,
// "sentence_transformers.sparse_encoder.models.SpladePooling" -> "SpladePooling".
func moduleClass(typ string) string {
	return typ[strings.LastIndexByte(typ, '.')+1:]
}

func (l *loader) loadModules() (*Encoder, error) {
	var mods []stModule
	if err := l.readJSON("modules.json", &mods); err != nil {
		return nil, err
	}
	if len(mods) == 0 {
		return nil, errors.New("wasm: modules.json lists no modules")
	}
	if c := moduleClass(mods[0].Type); c == "Router" || c == "Asym" {
		if len(mods) > 1 {
			return nil, fmt.Errorf("wasm: modules.json: modules after the Router (%s) are not supported", mods[1].Type)
		}
		return l.loadRouter(cleanDir(mods[0].Path))
	}
	p, err := l.chain(mods)
	if err != nil {
		return nil, err
	}
	if p.model == nil {
		return l.encoder(p, nil, p)
	}
	return l.encoder(p, p, p)
}

// chain builds a pipeline from a module sequence: [SparseStaticEmbedding]
// or [MLMTransformer, SpladePooling].
func (l *loader) chain(mods []stModule) (*pipeline, error) {
	switch moduleClass(mods[0].Type) {
	case "SparseStaticEmbedding":
		if len(mods) > 1 {
			return nil, fmt.Errorf("wasm: modules after SparseStaticEmbedding (%s) are not supported", mods[1].Type)
		}
		return l.static(cleanDir(mods[0].Path))
	case "MLMTransformer":
		if len(mods) != 2 || moduleClass(mods[1].Type) != "SpladePooling" {
			var types []string
			for _, m := range mods {
				types = append(types, m.Type)
			}
			return nil, fmt.Errorf("wasm: unsupported module sequence %v (want MLMTransformer followed by SpladePooling)", types)
		}
		return l.mlm(cleanDir(mods[0].Path), cleanDir(mods[1].Path))
	}
	return nil, fmt.Errorf("wasm: unsupported sentence-transformers module %s (want MLMTransformer + SpladePooling, SparseStaticEmbedding, or a Router of them)", mods[0].Type)
}

// routerConfig is router_config.json as sentence-transformers' Router saves it.
type routerConfig struct {
	Types      map[string]string   `json:"types"`
	Structure  map[string][]string `json:"structure"`
	Parameters struct {
		DefaultRoute  *string           `json:"default_route"`
		AllowEmptyKey *bool             `json:"allow_empty_key"`
		RouteMappings map[string]string `json:"route_mappings"`
	} `json:"parameters"`
}

func (l *loader) loadRouter(dir string) (*Encoder, error) {
	name := path.Join(dir, "router_config.json")
	if !l.exists(name) {
		name = path.Join(dir, "config.json") // the older Asym file name
	}
	data, err := fs.ReadFile(l.fsys, name)
	if err != nil {
		return nil, fmt.Errorf("wasm: Router: %w", err)
	}
	var rc routerConfig
	if err := json.Unmarshal(data, &rc); err != nil {
		return nil, fmt.Errorf("wasm: %s: %v", name, err)
	}
	routes := map[string]*pipeline{}
	for route, ids := range rc.Structure {
		var mods []stModule
		for _, id := range ids {
			typ, ok := rc.Types[id]
			if !ok {
				return nil, fmt.Errorf("wasm: %s: module %q of route %q has no type", name, id, route)
			}
			mods = append(mods, stModule{Path: path.Join(dir, id), Type: typ})
		}
		if len(mods) == 0 {
			return nil, fmt.Errorf("wasm: %s: route %q has no modules", name, route)
		}
		p, err := l.chain(mods)
		if err != nil {
			return nil, fmt.Errorf("%w (Router route %q)", err, route)
		}
		routes[route] = p
	}
	// Route names for the two tasks: a route_mappings entry such as
	// "('query', None)" or "('query', 'text')" first, then the route of that name.
	pick := func(task string) *pipeline {
		for key, route := range rc.Parameters.RouteMappings {
			k := strings.TrimSpace(strings.Trim(strings.TrimSpace(key), "()"))
			first, _, _ := strings.Cut(k, ",")
			if strings.Trim(strings.TrimSpace(first), `'"`) == task && routes[route] != nil {
				return routes[route]
			}
		}
		return routes[task]
	}
	query, document := pick("query"), pick("document")
	var def *pipeline
	switch {
	case rc.Parameters.DefaultRoute != nil:
		def = routes[*rc.Parameters.DefaultRoute]
		if def == nil {
			return nil, fmt.Errorf("wasm: %s: default_route %q is not a route", name, *rc.Parameters.DefaultRoute)
		}
	case rc.Parameters.AllowEmptyKey == nil || *rc.Parameters.AllowEmptyKey:
		// sentence-transformers takes the first route of "structure".
		first, err := firstKey(data, "structure")
		if err != nil {
			return nil, fmt.Errorf("wasm: %s: %v", name, err)
		}
		def = routes[first]
	}
	switch {
	case query == nil && document == nil:
		return nil, fmt.Errorf("wasm: %s: no \"query\" or \"document\" route (routes: %v)", name, keys(routes))
	case query == nil:
		query = document
	case document == nil && query.model != nil:
		document = query
	}
	if def == nil {
		def = document
		if def == nil {
			def = query
		}
	}
	return l.encoder(query, document, def)
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// firstKey returns the first key of the object field of the JSON object data.
func firstKey(data []byte, field string) (string, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return "", err
	}
	dec := json.NewDecoder(bytes.NewReader(top[field]))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", fmt.Errorf("%q is not an object", field)
	}
	t, err := dec.Token()
	if err != nil {
		return "", err
	}
	k, ok := t.(string)
	if !ok {
		return "", fmt.Errorf("%q is empty", field)
	}
	return k, nil
}

func cleanDir(p string) string {
	if p == "" {
		return "."
	}
	return path.Clean(p)
}

func (l *loader) sub(dir string) (fs.FS, error) {
	if dir == "." {
		return l.fsys, nil
	}
	s, err := fs.Sub(l.fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("wasm: %w", err)
	}
	return s, nil
}

func (l *loader) tokenizer(dir string) (*wordpiece.Tokenizer, error) {
	fsys, err := l.sub(dir)
	if err != nil {
		return nil, err
	}
	tok, err := wordpiece.Load(fsys)
	if err != nil {
		return nil, fmt.Errorf("wasm: tokenizer in %s: %w", dir, err)
	}
	return tok, nil
}

// mlm loads the masked-LM model in dir, with the SpladePooling config in
// poolDir ("" when there is none).
func (l *loader) mlm(dir, poolDir string) (*pipeline, error) {
	key := dir + "\x00" + poolDir
	if p := l.models[key]; p != nil {
		return p, nil
	}
	fsys, err := l.sub(dir)
	if err != nil {
		return nil, err
	}
	params, err := checkpoint.Load(fsys)
	if err != nil {
		return nil, fmt.Errorf("wasm: model in %s: %w", dir, err)
	}
	m, err := newMLM(params)
	if err != nil {
		return nil, err
	}
	tok, err := l.tokenizer(dir)
	if err != nil {
		return nil, err
	}
	p := &pipeline{tok: tok, model: m, pooling: PoolingMax, activation: ActivationReLU}
	if poolDir != "" {
		var pc struct {
			Pooling    string `json:"pooling_strategy"`
			Activation string `json:"activation_function"`
		}
		if err := l.readJSON(path.Join(poolDir, "config.json"), &pc); err != nil {
			return nil, err
		}
		if pc.Pooling != "" {
			p.pooling = pc.Pooling
		}
		if pc.Activation != "" {
			p.activation = pc.Activation
		}
		if p.pooling != PoolingMax && p.pooling != PoolingSum {
			return nil, fmt.Errorf("wasm: %s/config.json: unsupported pooling_strategy %q (want max or sum)", poolDir, p.pooling)
		}
		if p.activation != ActivationReLU && p.activation != ActivationLog1pReLU {
			return nil, fmt.Errorf("wasm: %s/config.json: unsupported activation_function %q (want relu or log1p_relu)", poolDir, p.activation)
		}
	}
	if l.opts.Pooling != "" {
		p.pooling = l.opts.Pooling
	}
	if l.opts.Activation != "" {
		p.activation = l.opts.Activation
	}

	p.maxLen = l.opts.MaxLength
	if p.maxLen == 0 {
		var sb struct {
			MaxSeqLength int `json:"max_seq_length"`
		}
		if name := path.Join(dir, "sentence_bert_config.json"); l.exists(name) {
			if err := l.readJSON(name, &sb); err != nil {
				return nil, err
			}
		}
		p.maxLen = sb.MaxSeqLength
	}
	if p.maxLen == 0 {
		p.maxLen = tok.MaxLength()
	}
	if p.maxLen <= 0 || p.maxLen > m.maxPos {
		p.maxLen = m.maxPos
	}
	if l.opts.Name == "" {
		var cfg struct {
			Name string `json:"_name_or_path"`
		}
		if l.readJSON(path.Join(dir, "config.json"), &cfg) == nil && cfg.Name != "" {
			l.opts.Name = cfg.Name
		}
	}
	l.models[key] = p
	return p, nil
}

// isStaticModule reports whether dir holds a saved SparseStaticEmbedding:
// a config.json without model_type, with sentence-transformers' "frozen".
func (l *loader) isStaticModule(dir string) (bool, error) {
	var cfg map[string]json.RawMessage
	if err := l.readJSON(path.Join(dir, "config.json"), &cfg); err != nil {
		return false, err
	}
	_, hasType := cfg["model_type"]
	_, frozen := cfg["frozen"]
	return frozen && !hasType, nil
}

// static loads a saved SparseStaticEmbedding module: tokenizer files and
// model.safetensors holding "weight" [vocab], or idf.json.
func (l *loader) static(dir string) (*pipeline, error) {
	tok, err := l.tokenizer(dir)
	if err != nil {
		return nil, err
	}
	name := path.Join(dir, "model.safetensors")
	if !l.exists(name) {
		if l.exists(path.Join(dir, "idf.json")) {
			return l.idf(dir, tok)
		}
		return nil, fmt.Errorf("wasm: SparseStaticEmbedding in %s: no model.safetensors or idf.json (pytorch_model.bin is not supported here; re-save with safe_serialization=True)", dir)
	}
	data, err := fs.ReadFile(l.fsys, name)
	if err != nil {
		return nil, fmt.Errorf("wasm: %w", err)
	}
	ts, err := checkpoint.ReadSafetensors(data)
	if err != nil {
		return nil, fmt.Errorf("wasm: %s: %w", name, err)
	}
	w := ts["weight"]
	if w == nil || len(w.Shape) != 1 {
		return nil, fmt.Errorf("wasm: %s: want a 1-D tensor \"weight\" (SparseStaticEmbedding)", name)
	}
	return &pipeline{tok: tok, weight: w.Data, maxLen: l.staticMaxLen(tok)}, nil
}

// idf builds the static query table from dir/idf.json, {"token": weight};
// tokens that are not in tok's vocabulary are ignored.
func (l *loader) idf(dir string, tok *wordpiece.Tokenizer) (*pipeline, error) {
	name := path.Join(dir, "idf.json")
	var table map[string]float64
	if err := l.readJSON(name, &table); err != nil {
		return nil, err
	}
	w := make([]float32, tok.VocabSize())
	for token, v := range table {
		if id, ok := tok.ID(token); ok && int(id) < len(w) && id >= 0 {
			w[id] = float32(v)
		}
	}
	return &pipeline{tok: tok, weight: w, maxLen: l.staticMaxLen(tok)}, nil
}

// staticMaxLen is the token cap of inference-free queries: sentence-
// transformers truncates them to the tokenizer's model_max_length.
func (l *loader) staticMaxLen(tok *wordpiece.Tokenizer) int {
	if l.opts.MaxLength > 0 {
		return l.opts.MaxLength
	}
	return tok.MaxLength()
}
