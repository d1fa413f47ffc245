package unigram

import (
	"fmt"
	"math"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/splade-go/splade/tokenizer/internal/hf"
)

// spmModel is what this package reads of SentencePiece's ModelProto.
type spmModel struct {
	pieces    []string
	scores    []float64
	types     []int32
	modelType int32 // trainer_spec.model_type: 1 Unigram (the default), 2 BPE, 3 word, 4 char
	charsmap  []byte
}

// Piece types of SentencePiece.
const (
	spmUnknown     = 2
	spmControl     = 3
	spmUserDefined = 4
)

// Field numbers of sentencepiece_model.proto.
const (
	fieldPieces     = 1 // ModelProto.pieces
	fieldTrainer    = 2 // ModelProto.trainer_spec
	fieldNormalizer = 3 // ModelProto.normalizer_spec

	fieldPiece = 1 // SentencePiece.piece
	fieldScore = 2 // SentencePiece.score
	fieldType  = 3 // SentencePiece.type

	fieldModelType = 3 // TrainerSpec.model_type
	fieldCharsmap  = 2 // NormalizerSpec.precompiled_charsmap
)

// parseSPM reads a serialized ModelProto.
func parseSPM(data []byte) (*spmModel, error) {
	m := &spmModel{modelType: 1}
	err := walk(data, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == fieldPieces && typ == protowire.BytesType:
			piece, score, ptype := "", float32(0), int32(1)
			err := walk(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
				switch {
				case num == fieldPiece && typ == protowire.BytesType:
					piece = string(v)
				case num == fieldScore && typ == protowire.Fixed32Type:
					score = math.Float32frombits(uint32(x))
				case num == fieldType && typ == protowire.VarintType:
					ptype = int32(x)
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("piece %d: %w", len(m.pieces), err)
			}
			if len(m.pieces) >= maxPieces {
				return fmt.Errorf("more than %d pieces", maxPieces)
			}
			m.pieces = append(m.pieces, piece)
			m.scores = append(m.scores, float64(score))
			m.types = append(m.types, ptype)
		case num == fieldTrainer && typ == protowire.BytesType:
			return walk(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
				if num == fieldModelType && typ == protowire.VarintType {
					m.modelType = int32(x)
				}
				return nil
			})
		case num == fieldNormalizer && typ == protowire.BytesType:
			return walk(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
				if num == fieldCharsmap && typ == protowire.BytesType {
					m.charsmap = v
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// walk calls field for each field of the protobuf message data: v holds
// the bytes of a length-delimited field, x the value of the others.
func walk(data []byte, field func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 {
			return protowire.ParseError(n)
		}
		data = data[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(data)
		case protowire.Fixed32Type:
			var y uint32
			y, n = protowire.ConsumeFixed32(data)
			x = uint64(y)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(data)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(data)
		default:
			n = protowire.ConsumeFieldValue(num, typ, data)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		data = data[n:]
		if err := field(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

// fromSentencePiece builds the tokenizer of a sentencepiece.bpe.model as
// XLMRobertaTokenizer numbers it (fairseq's dictionary: <s> 0, <pad> 1,
// </s> 2, <unk> 3, the model's pieces from its fourth on shifted by one,
// <mask> last) and as transformers' XLMRobertaConverter turns it into the
// fast tokenizer's tokenizer.json: the model's charsmap, white space
// stripped on the right, runs of spaces made one "▁", Metaspace always
// prepending "▁", <s> $A </s>, no byte fallback. The converter writes
// these whatever the model's add_dummy_prefix, remove_extra_whitespaces
// and byte_fallback say, so they are not read.
func fromSentencePiece(data []byte, cfg hf.Config) (*Tokenizer, error) {
	if cfg.Class != "" && !strings.HasPrefix(cfg.Class, "XLMRoberta") {
		return nil, fmt.Errorf("unigram: %s: tokenizer_class %q is not supported without tokenizer.json (want XLMRobertaTokenizer, or add the folder's tokenizer.json)", ModelFile, cfg.Class)
	}
	m, err := parseSPM(data)
	if err != nil {
		return nil, fmt.Errorf("unigram: %s: %w (the file is damaged: download it again)", ModelFile, err)
	}
	if m.modelType != 1 {
		return nil, fmt.Errorf("unigram: %s: model type %d is not supported (want a Unigram model, type 1)", ModelFile, m.modelType)
	}
	if len(m.pieces) < 3 || m.types[0] != spmUnknown || m.types[1] != spmControl || m.types[2] != spmControl {
		return nil, fmt.Errorf("unigram: %s: the first pieces are not <unk> <s> </s> (want an XLM-RoBERTa SentencePiece model)", ModelFile)
	}
	pieces := append([]string{"<s>", "<pad>", "</s>", "<unk>"}, m.pieces[3:]...)
	pieces = append(pieces, "<mask>")
	scores := append([]float64{0, 0, 0, 0}, m.scores[3:]...)
	scores = append(scores, 0)
	const unk = 3
	t, err := build(ModelFile, pieces, scores, unk, false)
	if err != nil {
		return nil, err
	}
	var norm sequence
	if len(m.charsmap) > 0 {
		cm, err := parseCharsmap(m.charsmap)
		if err != nil {
			return nil, fmt.Errorf("unigram: %s: %w (the file is damaged: download it again)", ModelFile, err)
		}
		norm = append(norm, precompiled{cm})
	}
	t.norm = append(norm, strip{right: true}, replace{re: extraSpaces, content: "▁"})
	t.replacement, t.split, t.prepend = "▁", true, prependAlways
	mask := hf.AddedToken{ID: int32(len(pieces) - 1), Content: "<mask>", LStrip: true, Special: true}
	if s := cfg.Mask; s != nil && s.Set && s.Content == "<mask>" {
		mask.LStrip, mask.RStrip, mask.SingleWord = s.LStrip, s.RStrip, s.SingleWord
	}
	no := false
	added := []hf.AddedToken{
		{ID: 0, Content: "<s>", Special: true, Normalized: &no},
		{ID: 1, Content: "<pad>", Special: true, Normalized: &no},
		{ID: 2, Content: "</s>", Special: true, Normalized: &no},
		{ID: 3, Content: "<unk>", Special: true, Normalized: &no},
		mask,
	}
	// Control and user-defined pieces are matched whole, as transformers'
	// converter adds them.
	for i := 3; i < len(m.pieces); i++ {
		if typ := m.types[i]; (typ == spmControl || typ == spmUserDefined) && m.pieces[i] != "" {
			added = append(added, hf.AddedToken{ID: int32(i + 1), Content: m.pieces[i], Special: typ == spmControl, Normalized: &no})
		}
	}
	for _, a := range cfg.AddedDecoder {
		if a.ID > 3 && a.ID != mask.ID {
			if int(a.ID) < len(pieces) && pieces[a.ID] != a.Content {
				return nil, fmt.Errorf("unigram: tokenizer_config.json: added token %q has id %d, which is %q in %s", a.Content, a.ID, pieces[a.ID], ModelFile)
			}
			added = append(added, a)
		}
	}
	if err := t.setAdded(added); err != nil {
		return nil, err
	}
	t.prefix, t.suffix = []int32{0}, []int32{2}
	if err := t.setPad(cfg.Pad.Name()); err != nil {
		return nil, err
	}
	return t, nil
}
