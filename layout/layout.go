package layout

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/splade-go/splade/arch"
	"github.com/splade-go/splade/checkpoint"
	"github.com/splade-go/splade/internal/safefs"
	"github.com/splade-go/splade/tokenizer"
)

// Model describes a model folder: what encodes queries, documents and
// texts of no stated kind.
type Model struct {
	// Query encodes search queries.
	Query Route
	// Document encodes documents; it is zero (see [Model.QueryOnly]) for
	// an inference-free folder without a masked-LM model.
	Document Route
	// Default encodes texts of no stated kind: the Router's default route,
	// documents for a masked-LM folder, queries for a query-only folder.
	Default Route
	// Dim is the vector dimension: the vocabulary size.
	Dim int
	// Name is the "_name_or_path" of a masked-LM config.json, "" when
	// there is none.
	Name string
	// Prompts are the prompts of config_sentence_transformers.json, by
	// name: texts prefixed with one of them when a caller asks for it by
	// name (sentence-transformers' prompt_name).
	Prompts map[string]string
	// DefaultPromptName names the prompt applied when a caller names
	// none ("" for no prompt).
	DefaultPromptName string
}

// Route is one way of encoding a text: exactly one of MLM and Static is
// set, or neither for a missing route.
type Route struct {
	MLM    *MLM
	Static *Static
}

// MLM is a masked-LM model with SPLADE pooling: a BertForMaskedLM,
// DistilBertForMaskedLM or RobertaForMaskedLM folder, with the settings of sentence-transformers'
// MLMTransformer and SpladePooling modules when the folder has them. Routes
// that share a module share one *MLM.
type MLM struct {
	// Dir is the model's folder in the file system given to Read, "." for
	// its root.
	Dir string
	// FS is that folder; checkpoint.Load(FS) reads the weights.
	FS fs.FS
	// Config is the model's config.json.
	Net *arch.Network
	// Tokenizer is the model's tokenizer.
	Tokenizer tokenizer.Tokenizer
	// Pooling is SpladePooling's pooling_strategy, "max" or "sum"; "max"
	// when the folder has no SpladePooling module.
	Pooling string
	// Activation is SpladePooling's activation_function, "relu" or
	// "log1p_relu"; "relu" when the folder has no SpladePooling module.
	Activation string
	// MaxLength caps the tokens per text, [CLS] and [SEP] included:
	// sentence_bert_config.json's max_seq_length, else the tokenizer's
	// model_max_length, never more than the model's position table
	// allows (arch.Network.MaxTokens).
	MaxLength int
	// Name is config.json's "_name_or_path", "" when it has none.
	Name string
}

// QueryOnly reports whether the folder encodes queries only: an
// inference-free table without a masked-LM model for the documents.
func (m *Model) QueryOnly() bool { return m.Document.IsZero() }

// Tokenizer returns the tokenizer of the document side, or of the query
// side for a query-only folder.
func (m *Model) Tokenizer() tokenizer.Tokenizer {
	if !m.Document.IsZero() {
		return m.Document.Tokenizer()
	}
	return m.Query.Tokenizer()
}

// MLMs returns the distinct masked-LM models of the routes, in the order
// query, document, default.
func (m *Model) MLMs() []*MLM {
	var out []*MLM
	for _, r := range []Route{m.Query, m.Document, m.Default} {
		if r.MLM != nil && !containsMLM(out, r.MLM) {
			out = append(out, r.MLM)
		}
	}
	return out
}

func containsMLM(ms []*MLM, m *MLM) bool {
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}

// IsZero reports whether the route is missing.
func (r Route) IsZero() bool { return r.MLM == nil && r.Static == nil }

// Tokenizer returns the route's tokenizer (nil for a missing route).
func (r Route) Tokenizer() tokenizer.Tokenizer {
	switch {
	case r.MLM != nil:
		return r.MLM.Tokenizer
	case r.Static != nil:
		return r.Static.Tokenizer
	}
	return nil
}

// MaxLength returns the route's token limit per text (0 for a missing
// route): what an encoder truncates texts to.
func (r Route) MaxLength() int {
	switch {
	case r.MLM != nil:
		return r.MLM.MaxLength
	case r.Static != nil:
		return r.Static.MaxLength
	}
	return 0
}

// Read reads the model folder at the root of fsys; see the package
// documentation for the layouts it understands. It loads the tokenizers
// and the static query tables, and reads the masked-LM configs, but leaves
// the masked-LM weights to the caller (MLM.FS).
func Read(fsys fs.FS) (*Model, error) {
	r := &reader{fsys: fsys, mlms: map[string]*MLM{}, toks: map[string]tokenizer.Tokenizer{}}
	m, err := r.read()
	if err != nil {
		return nil, err
	}
	if r.exists("config_sentence_transformers.json") {
		var st struct {
			Prompts           map[string]string `json:"prompts"`
			DefaultPromptName *string           `json:"default_prompt_name"`
		}
		if err := r.readJSON("config_sentence_transformers.json", &st); err != nil {
			return nil, err
		}
		m.Prompts = st.Prompts
		if st.DefaultPromptName != nil {
			if _, ok := st.Prompts[*st.DefaultPromptName]; !ok {
				return nil, fmt.Errorf("layout: config_sentence_transformers.json: default_prompt_name %q is not one of its prompts", *st.DefaultPromptName)
			}
			m.DefaultPromptName = *st.DefaultPromptName
		}
	}
	if err := m.finish(); err != nil {
		return nil, err
	}
	return m, nil
}

// finish sets the dimension and the name, and checks that the routes agree
// on the vocabulary.
func (m *Model) finish() error {
	for _, mm := range m.MLMs() {
		switch {
		case m.Dim == 0:
			m.Dim = mm.Net.Vocab
		case mm.Net.Vocab != m.Dim:
			return fmt.Errorf("layout: the query and document models have vocabularies of %d and %d tokens; they must share one", mm.Net.Vocab, m.Dim)
		}
	}
	if m.Dim == 0 && m.Query.Static != nil {
		m.Dim = max(len(m.Query.Static.Weights), m.Query.Static.Tokenizer.VocabSize())
	}
	for _, r := range []Route{m.Query, m.Document, m.Default} {
		if s := r.Static; s != nil {
			if len(s.Weights) > m.Dim {
				return fmt.Errorf("layout: the static query weights have %d entries, more than the %d-token vocabulary", len(s.Weights), m.Dim)
			}
			s.Dim = m.Dim
		}
	}
	for _, r := range []Route{m.Document, m.Query, m.Default} {
		if r.MLM != nil && r.MLM.Name != "" {
			m.Name = r.MLM.Name
			break
		}
	}
	return nil
}

// reader reads one model folder. It caches the models and tokenizers by
// folder, so that routes sharing a module share what is read.
type reader struct {
	fsys fs.FS
	mlms map[string]*MLM
	toks map[string]tokenizer.Tokenizer
}

func (r *reader) exists(name string) bool {
	_, err := fs.Stat(r.fsys, name)
	return err == nil
}

func (r *reader) readJSON(name string, v any) error {
	data, err := safefs.ReadFile(r.fsys, name)
	if err != nil {
		return fmt.Errorf("layout: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("layout: %s: %w", name, err)
	}
	return nil
}

func (r *reader) read() (*Model, error) {
	switch {
	case r.exists("modules.json"):
		return r.readModules()
	case r.exists("config.json"):
		if static, err := r.isStaticModule("."); err != nil {
			return nil, err
		} else if static {
			q, err := r.static(".")
			if err != nil {
				return nil, err
			}
			return &Model{Query: q, Default: q}, nil
		}
		doc, err := r.mlm(".", "")
		if err != nil {
			return nil, err
		}
		if !r.exists("idf.json") {
			return &Model{Query: doc, Document: doc, Default: doc}, nil
		}
		// OpenSearch's inference-free layout: the document model with the
		// query idf table beside it.
		q, err := r.idf(".", doc.MLM.Tokenizer)
		if err != nil {
			return nil, err
		}
		return &Model{Query: q, Document: doc, Default: doc}, nil
	case r.exists("idf.json"):
		tok, err := r.tokenizer(".")
		if err != nil {
			return nil, err
		}
		q, err := r.idf(".", tok)
		if err != nil {
			return nil, err
		}
		return &Model{Query: q, Default: q}, nil
	}
	return nil, errors.New("layout: the folder has no config.json, modules.json or idf.json; want a BERT, DistilBERT or RoBERTa masked-LM folder, a sentence-transformers SparseEncoder folder, or an inference-free folder (tokenizer + idf.json)")
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

func (r *reader) readModules() (*Model, error) {
	var mods []stModule
	if err := r.readJSON("modules.json", &mods); err != nil {
		return nil, err
	}
	if len(mods) == 0 {
		return nil, errors.New("layout: modules.json lists no modules")
	}
	if c := moduleClass(mods[0].Type); c == "Router" || c == "Asym" {
		if len(mods) > 1 {
			return nil, fmt.Errorf("layout: modules.json: modules after the Router (%s) are not supported", mods[1].Type)
		}
		return r.readRouter(cleanDir(mods[0].Path))
	}
	rt, err := r.chain(mods)
	if err != nil {
		return nil, err
	}
	if rt.MLM == nil {
		return &Model{Query: rt, Default: rt}, nil
	}
	return &Model{Query: rt, Document: rt, Default: rt}, nil
}

// chain reads a route from a module sequence: [SparseStaticEmbedding] or
// [MLMTransformer, SpladePooling].
func (r *reader) chain(mods []stModule) (Route, error) {
	switch moduleClass(mods[0].Type) {
	case "SparseStaticEmbedding":
		if len(mods) > 1 {
			return Route{}, fmt.Errorf("layout: modules after SparseStaticEmbedding (%s) are not supported", mods[1].Type)
		}
		return r.static(cleanDir(mods[0].Path))
	case "MLMTransformer":
		if len(mods) != 2 || moduleClass(mods[1].Type) != "SpladePooling" {
			var types []string
			for _, m := range mods {
				types = append(types, m.Type)
			}
			return Route{}, fmt.Errorf("layout: unsupported module sequence %v (want MLMTransformer followed by SpladePooling)", types)
		}
		return r.mlm(cleanDir(mods[0].Path), cleanDir(mods[1].Path))
	}
	return Route{}, fmt.Errorf("layout: unsupported sentence-transformers module %s (want MLMTransformer + SpladePooling, SparseStaticEmbedding, or a Router of them)", mods[0].Type)
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

// RouterModules lists the module folders, relative to the Router's folder,
// that a router_config.json names in its routes: what a download must
// fetch and a cached copy must hold.
func RouterModules(routerConfigJSON []byte) ([]string, error) {
	var rc routerConfig
	if err := json.Unmarshal(routerConfigJSON, &rc); err != nil {
		return nil, fmt.Errorf("layout: router_config.json: %w", err)
	}
	var out []string
	for _, ids := range rc.Structure {
		for _, id := range ids {
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

func (r *reader) readRouter(dir string) (*Model, error) {
	name := path.Join(dir, "router_config.json")
	if !r.exists(name) {
		name = path.Join(dir, "config.json") // the older Asym file name
	}
	data, err := safefs.ReadFile(r.fsys, name)
	if err != nil {
		return nil, fmt.Errorf("layout: Router: %w", err)
	}
	var rc routerConfig
	if err := json.Unmarshal(data, &rc); err != nil {
		return nil, fmt.Errorf("layout: %s: %w", name, err)
	}
	routes := map[string]Route{}
	for route, ids := range rc.Structure {
		var mods []stModule
		for _, id := range ids {
			typ, ok := rc.Types[id]
			if !ok {
				return nil, fmt.Errorf("layout: %s: module %q of route %q has no type", name, id, route)
			}
			mods = append(mods, stModule{Path: path.Join(dir, id), Type: typ})
		}
		if len(mods) == 0 {
			return nil, fmt.Errorf("layout: %s: route %q has no modules", name, route)
		}
		rt, err := r.chain(mods)
		if err != nil {
			return nil, fmt.Errorf("%w (Router route %q)", err, route)
		}
		routes[route] = rt
	}
	// Route names for the two tasks: a route_mappings entry such as
	// "('query', None)" or "('query', 'text')" first, then the route of that name.
	pick := func(task string) Route {
		for key, route := range rc.Parameters.RouteMappings {
			k := strings.TrimSpace(strings.Trim(strings.TrimSpace(key), "()"))
			first, _, _ := strings.Cut(k, ",")
			if strings.Trim(strings.TrimSpace(first), `'"`) == task && !routes[route].IsZero() {
				return routes[route]
			}
		}
		return routes[task]
	}
	m := &Model{Query: pick("query"), Document: pick("document")}
	switch {
	case rc.Parameters.DefaultRoute != nil:
		m.Default = routes[*rc.Parameters.DefaultRoute]
		if m.Default.IsZero() {
			return nil, fmt.Errorf("layout: %s: default_route %q is not a route", name, *rc.Parameters.DefaultRoute)
		}
	case rc.Parameters.AllowEmptyKey == nil || *rc.Parameters.AllowEmptyKey:
		// sentence-transformers takes the first route of "structure".
		first, err := firstKey(data, "structure")
		if err != nil {
			return nil, fmt.Errorf("layout: %s: %w", name, err)
		}
		m.Default = routes[first]
	}
	switch {
	case m.Query.IsZero() && m.Document.IsZero():
		return nil, fmt.Errorf("layout: %s: no \"query\" or \"document\" route (routes: %v)", name, keys(routes))
	case m.Query.IsZero():
		m.Query = m.Document
	case m.Document.IsZero() && m.Query.MLM != nil:
		m.Document = m.Query
	}
	if m.Default.IsZero() {
		m.Default = m.Document
		if m.Default.IsZero() {
			m.Default = m.Query
		}
	}
	return m, nil
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

func (r *reader) sub(dir string) (fs.FS, error) {
	if dir == "." {
		return r.fsys, nil
	}
	s, err := fs.Sub(r.fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("layout: %w", err)
	}
	return s, nil
}

func (r *reader) tokenizer(dir string) (tokenizer.Tokenizer, error) {
	if tok := r.toks[dir]; tok != nil {
		return tok, nil
	}
	fsys, err := r.sub(dir)
	if err != nil {
		return nil, err
	}
	tok, err := tokenizer.Load(fsys)
	if err != nil {
		return nil, fmt.Errorf("layout: tokenizer in %s: %w", dir, err)
	}
	r.toks[dir] = tok
	return tok, nil
}

// Pooling and activation names, as SpladePooling spells them.
const (
	poolingMax          = "max"
	poolingSum          = "sum"
	activationReLU      = "relu"
	activationLog1pReLU = "log1p_relu"
)

// mlm reads the masked-LM model in dir, with the SpladePooling config in
// poolDir ("" when there is none).
func (r *reader) mlm(dir, poolDir string) (Route, error) {
	key := dir + "\x00" + poolDir
	if m := r.mlms[key]; m != nil {
		return Route{MLM: m}, nil
	}
	fsys, err := r.sub(dir)
	if err != nil {
		return Route{}, err
	}
	data, err := safefs.ReadFile(fsys, "config.json")
	if err != nil {
		return Route{}, fmt.Errorf("layout: model in %s: %w", dir, err)
	}
	net, err := arch.Parse(data)
	if err != nil {
		return Route{}, fmt.Errorf("layout: model in %s: %w", dir, err)
	}
	// BGE-M3: FlagEmbedding's sparse head beside a bare encoder.
	if ok, err := checkpoint.HasSparseLinear(fsys); err != nil {
		return Route{}, fmt.Errorf("layout: model in %s: %w", dir, err)
	} else if ok {
		if err := net.UseTokenHead(); err != nil {
			return Route{}, fmt.Errorf("layout: model in %s: %s: %w", dir, checkpoint.SparseLinearFile, err)
		}
	}
	var named struct {
		Name string `json:"_name_or_path"`
	}
	_ = json.Unmarshal(data, &named) // arch.Parse has parsed it already
	tok, err := r.tokenizer(dir)
	if err != nil {
		return Route{}, err
	}
	// Tokenizer files of a kind no checkpoint of the family ships belong
	// to another model (an *arch.TokenizerError).
	if err := net.CheckTokenizer(tokenizer.ModelOf(tok)); err != nil {
		return Route{}, fmt.Errorf("layout: model in %s: %w", dir, err)
	}
	// A token id past the embedding table would index out of it in every
	// encoder.
	if tok.VocabSize() > net.Vocab {
		return Route{}, fmt.Errorf("layout: model in %s: the tokenizer has ids up to %d, past config.json's vocab_size %d: the tokenizer files do not belong to this model",
			dir, tok.VocabSize()-1, net.Vocab)
	}
	m := &MLM{Dir: dir, FS: fsys, Net: net, Tokenizer: tok, Pooling: poolingMax, Activation: activationReLU, Name: named.Name}
	if poolDir != "" {
		var pc struct {
			Pooling    string `json:"pooling_strategy"`
			Activation string `json:"activation_function"`
		}
		if err := r.readJSON(path.Join(poolDir, "config.json"), &pc); err != nil {
			return Route{}, err
		}
		if pc.Pooling != "" {
			m.Pooling = pc.Pooling
		}
		if pc.Activation != "" {
			m.Activation = pc.Activation
		}
		if m.Pooling != poolingMax && m.Pooling != poolingSum {
			return Route{}, fmt.Errorf("layout: %s/config.json: unsupported pooling_strategy %q (want max or sum)", poolDir, m.Pooling)
		}
		if m.Activation != activationReLU && m.Activation != activationLog1pReLU {
			return Route{}, fmt.Errorf("layout: %s/config.json: unsupported activation_function %q (want relu or log1p_relu)", poolDir, m.Activation)
		}
	}
	if name := path.Join(dir, "sentence_bert_config.json"); r.exists(name) {
		var sb struct {
			MaxSeqLength int `json:"max_seq_length"`
		}
		if err := r.readJSON(name, &sb); err != nil {
			return Route{}, err
		}
		m.MaxLength = sb.MaxSeqLength
	}
	if m.MaxLength <= 0 {
		m.MaxLength = tok.MaxLength()
	}
	// The position table caps it: max_position_embeddings, less
	// pad_token_id+1 for RoBERTa, whose positions start there (so a
	// tokenizer with the 1e30 "unset" model_max_length gets 514-2 = 512).
	if m.MaxLength <= 0 || m.MaxLength > net.MaxTokens() {
		m.MaxLength = net.MaxTokens()
	}
	r.mlms[key] = m
	return Route{MLM: m}, nil
}

// isStaticModule reports whether dir holds a saved SparseStaticEmbedding:
// a config.json without model_type, with sentence-transformers' "frozen".
func (r *reader) isStaticModule(dir string) (bool, error) {
	var cfg map[string]json.RawMessage
	if err := r.readJSON(path.Join(dir, "config.json"), &cfg); err != nil {
		return false, err
	}
	_, hasType := cfg["model_type"]
	_, frozen := cfg["frozen"]
	return frozen && !hasType, nil
}

// static reads a saved SparseStaticEmbedding module: tokenizer files and
// model.safetensors holding "weight" [vocab], or idf.json.
func (r *reader) static(dir string) (Route, error) {
	tok, err := r.tokenizer(dir)
	if err != nil {
		return Route{}, err
	}
	name := path.Join(dir, "model.safetensors")
	if !r.exists(name) {
		if r.exists(path.Join(dir, "idf.json")) {
			return r.idf(dir, tok)
		}
		return Route{}, fmt.Errorf("layout: SparseStaticEmbedding in %s: no model.safetensors or idf.json (pytorch_model.bin is not supported here; re-save with safe_serialization=True)", dir)
	}
	data, err := safefs.ReadFile(r.fsys, name)
	if err != nil {
		return Route{}, fmt.Errorf("layout: %w", err)
	}
	ts, err := checkpoint.ReadSafetensors(data)
	if err != nil {
		return Route{}, fmt.Errorf("layout: %s: %w", name, err)
	}
	w := ts["weight"]
	if w == nil || len(w.Shape) != 1 {
		return Route{}, fmt.Errorf("layout: %s: want a 1-D tensor \"weight\" (SparseStaticEmbedding)", name)
	}
	return Route{Static: &Static{Tokenizer: tok, Weights: w.Data, MaxLength: tok.MaxLength()}}, nil
}

// idf reads the static query table dir/idf.json, {"token": weight};
// tokens that are not in tok's vocabulary are ignored.
func (r *reader) idf(dir string, tok tokenizer.Tokenizer) (Route, error) {
	var table map[string]float64
	if err := r.readJSON(path.Join(dir, "idf.json"), &table); err != nil {
		return Route{}, err
	}
	w := make([]float32, tok.VocabSize())
	for token, v := range table {
		if id, ok := tok.ID(token); ok && id >= 0 && int(id) < len(w) {
			w[id] = float32(v)
		}
	}
	return Route{Static: &Static{Tokenizer: tok, Weights: w, MaxLength: tok.MaxLength()}}, nil
}
