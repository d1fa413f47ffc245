// Package bpe is the byte-level BPE tokenizer of GPT-2 and RoBERTa: it
// turns text into the token ids a RoBERTa-family SPLADE encoder reads,
// exactly as HuggingFace's tokenizers library (behind sentence-transformers'
// SparseEncoder) does.
//
// The pipeline is the one such a tokenizer.json describes:
//
//   - Added tokens: special tokens such as <s> or <mask> written in the
//     text are matched first, on the raw text, and kept whole; with
//     lstrip (RoBERTa's <mask>) a token takes the white space on its
//     left, with rstrip that on its right.
//   - ByteLevel pre-tokenizer: with add_prefix_space, a space is put
//     before the text; the text is split by GPT-2's pattern
//     ('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+),
//     so that a word keeps the space before it; and each byte of a word
//     is spelled as one of 256 visible characters (a space is "Ġ").
//   - BPE: the bytes of each word are merged pairwise, the pair of lowest
//     merge rank first (leftmost first among equal ranks), until no merge
//     applies; each part is a token of the vocabulary.
//   - Post-processor: RobertaProcessing puts <s> before and </s> after the
//     text; TemplateProcessing puts what its single template names.
//
// [Load] reads tokenizer.json, or vocab.json + merges.txt with
// tokenizer_config.json alone (RobertaTokenizer and GPT2Tokenizer
// folders, converted as transformers converts them to fast tokenizers).
// [Tokenizer.EncodeIDs] truncates like HuggingFace: the first maxLen-2
// pieces are kept, then </s>.
//
// The merge ranks live in a map keyed by the pair of token ids, and a
// word's merges run over a heap, so a word of n bytes costs O(n log n);
// each word's tokens are cached (up to 50,000 words; HuggingFace caches
// 10,000), so tokenizing is linear in the length of the text.
//
// Go strings may hold invalid UTF-8: each invalid byte is read as U+FFFD,
// the replacement character, as Python's errors="replace" reads it.
package bpe
