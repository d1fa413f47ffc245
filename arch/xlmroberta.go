package arch

// XLM-RoBERTa (model_type xlm-roberta) and CamemBERT (camembert):
// XLMRobertaForMaskedLM and CamembertForMaskedLM are RobertaForMaskedLM
// under other names (transformers copies the modules), so the family
// reads RoBERTa's config.json fields and tensor names; only the
// defaults differ. A bare XLMRobertaModel (BGE-M3) stores the encoder
// without the "roberta." prefix and no MLM head, which the names allow.
func init() {
	register(&family{
		types:   []string{"xlm-roberta", "camembert"},
		parse:   func(config []byte) (*Network, error) { return parseBERT(config, xlmRobertaDefaults) },
		names:   robertaNames,
		ignored: bertIgnored,
	})
}

// xlmRobertaDefaults are XLMRobertaConfig's and CamembertConfig's
// vocab_size and pad_token_id.
var xlmRobertaDefaults = struct{ vocab, pad int }{30522, 1}
