// Package unigram is SentencePiece's Unigram tokenizer, as XLM-RoBERTa,
// CamemBERT and BGE-M3 use it: it turns text into the token ids such an
// encoder reads, exactly as HuggingFace's tokenizers library does.
//
// The pipeline is the one such a tokenizer.json describes:
//
//   - Added tokens: special tokens such as <s> or <mask> written in the
//     text are matched first (on the raw text, or on the normalized text
//     for tokens marked normalized) and kept whole; with lstrip
//     (XLM-RoBERTa's <mask>) a token takes the white space on its left.
//   - Normalizer: Precompiled, SentencePiece's compiled normalization
//     rules (NFKC and more) held in a double-array trie, applied to each
//     grapheme cluster as HuggingFace does; Strip; Replace of a string or
//     a regular expression; a Sequence of them.
//   - Metaspace pre-tokenizer: spaces become "▁", a "▁" is put before the
//     text (prepend_scheme always, or first: only before the start of the
//     text), and the text is split before each "▁".
//   - Unigram model: each part is cut into the pieces of highest total
//     score (the Viterbi path over every piece the trie finds); a
//     character no piece starts with is unknown, and neighbouring unknown
//     characters make one unknown token (or their bytes' tokens with
//     byte_fallback).
//   - Post-processor: TemplateProcessing puts <s> before and </s> after
//     the text.
//
// [Load] reads tokenizer.json, or sentencepiece.bpe.model alone (the
// SentencePiece ModelProto), numbered as XLMRobertaTokenizer numbers it:
// fairseq's <s> 0, <pad> 1, </s> 2, <unk> 3, the model's pieces shifted by
// one, <mask> last. [Tokenizer.EncodeIDs] truncates like HuggingFace: the
// first maxLen-2 pieces are kept, then </s>.
//
// Go strings may hold invalid UTF-8: each invalid byte is read as U+FFFD,
// the replacement character, as Python's errors="replace" reads it.
package unigram
