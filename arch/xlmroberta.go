package arch

import "github.com/splade-go/splade/tokenizer"

// XLM-RoBERTa (model_type xlm-roberta) and CamemBERT (camembert):
// XLMRobertaForMaskedLM and CamembertForMaskedLM are RobertaForMaskedLM
// under other names (transformers copies the modules), so the family
// reads RoBERTa's config.json fields and tensor names; only the
// defaults differ.
//
// BGE-M3 is a bare XLMRobertaModel (tensor names without the "roberta."
// prefix, which the names allow, and no MLM head) with FlagEmbedding's
// per-token sparse head beside it (Network.UseTokenHead), which gives
// <s>, <pad>, </s> and <unk> no weight: config.json's bos_token_id,
// pad_token_id and eos_token_id, and id 3, where fairseq's dictionary,
// which every XLM-R vocabulary starts with, puts <unk>.
func init() {
	register(&family{
		types:     []string{"xlm-roberta", "camembert"},
		parse:     parseXLMRoberta,
		names:     robertaNames,
		ignored:   bertIgnored,
		tokenHead: true,
		// XLM-R's SentencePiece Unigram (and CamemBERT's, converted the
		// same way); BGE-M3 ships XLM-R's.
		tokenizers: []tokenizer.Model{tokenizer.Unigram},
	})
}

// xlmRobertaDefaults are XLMRobertaConfig's and CamembertConfig's
// vocab_size and pad_token_id.
var xlmRobertaDefaults = struct{ vocab, pad int }{30522, 1}

// fairseqUnk is the id of <unk> in fairseq's dictionary (<s> <pad> </s>
// <unk> first).
const fairseqUnk = 3

func parseXLMRoberta(config []byte) (*Network, error) {
	n, err := parseBERT(config, xlmRobertaDefaults)
	if err != nil {
		return nil, err
	}
	var j struct {
		Bos *int `json:"bos_token_id"`
		Eos *int `json:"eos_token_id"`
	}
	if err := unmarshal(config, &j); err != nil {
		return nil, err
	}
	n.Head.SkipIDs = []int{orInt(j.Bos, 0), n.PadTokenID, orInt(j.Eos, 2), fairseqUnk}
	return n, nil
}
