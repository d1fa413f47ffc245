// Package hf reads what every HuggingFace tokenizer folder holds whatever
// its model: tokenizer_config.json and special_tokens_map.json (the
// special tokens, model_max_length, added_tokens_decoder), and the parts
// of tokenizer.json that do not depend on the model (added tokens, the
// post-processor, truncation and padding). It also finds added tokens in
// a text as HuggingFace's AddedVocabulary does (longest first, with
// lstrip, rstrip and single_word).
//
// The model packages (wordpiece, bpe, unigram) read their own model,
// normalizer and pre-tokenizer and share this parsing, so that a special
// token means the same thing in each.
package hf
