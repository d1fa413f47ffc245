// Package wordpiece is the BERT WordPiece tokenizer of this project: it
// turns text into the token ids a BERT or DistilBERT SPLADE encoder reads,
// exactly as HuggingFace's fast BertTokenizer (the Rust tokenizers library
// behind sentence-transformers' SparseEncoder) does.
//
// The pipeline is the one a BERT tokenizer.json describes:
//
//   - Added tokens: special tokens such as [CLS] or [MASK] written in the
//     text are matched first, on the raw text, and kept whole.
//   - BertNormalizer: with clean_text, characters of the Unicode categories
//     Cc, Cf and Co (control, format, private use) and U+0000 and U+FFFD are
//     dropped, while \t, \n, \r and every other white space become a
//     plain space; with handle_chinese_chars, CJK ideographs get a space on
//     each side; with strip_accents (which follows lowercase when unset),
//     the text is put in NFD and nonspacing marks (Mn) are dropped; with
//     lowercase, each character is lowercased.
//   - BertPreTokenizer: the text is split on white space, and every
//     punctuation character (Unicode P* or ASCII !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~)
//     becomes a word of its own.
//   - WordPiece: each word is cut greedily into the longest pieces of the
//     vocabulary, later pieces carrying the continuation prefix "##". A
//     word of more than max_input_chars_per_word characters (100), or one
//     that cannot be cut completely, becomes the unknown token [UNK].
//
// [Tokenizer.Encode] adds [CLS] and [SEP] and truncates like HuggingFace
// (the first maxLen-2 pieces are kept); [Tokenizer.EncodeBatch] pads to
// the longest text and returns the attention masks.
//
// Go strings may hold invalid UTF-8. Each invalid byte is read as U+FFFD,
// the replacement character, which is what Python gives for such bytes
// with errors="replace"; clean_text then drops it, as HuggingFace does.
//
// # Why not go-huggingface's tokenizer
//
// The project first used the WordPiece tokenizer of
// github.com/gomlx/go-huggingface, which differs from HuggingFace's on
// real text and does not suit an edge build:
//
//   - it keeps format characters (Cf) such as the soft hyphen U+00AD, the
//     zero-width space U+200B or the left-to-right mark U+200E, which
//     HuggingFace drops, so words around them split differently;
//   - it applies the 100-character word limit to bytes, so words of
//     non-ASCII letters become [UNK] too early;
//   - it ignores model_max_length, so long documents are not truncated;
//   - its longest-match loop builds a new string for each candidate piece
//     and is quadratic in the word length;
//   - it brings net/http into a WebAssembly build through its hub code.
//
// This package is linear in the length of the text, makes no allocation
// per candidate piece, and imports only the standard library and
// golang.org/x/text, so it is small when compiled for js/wasm.
//
// # Conformance
//
// The tests compare the pieces of this package with those of the Python
// HuggingFace tokenizer of bert-base-uncased on 9,750 BEIR, TREC DL and
// MS MARCO queries (406,587 pieces), with no difference allowed. Where
// HuggingFace's Rust library and its JavaScript port differ, this package
// follows Rust: a capital sigma lowercases to σ wherever it stands, and CJK
// ideographs beyond U+FFFF are split off like the others. Unassigned code
// points (Cn) are kept, as in Rust. The Unicode tables are those of the Go
// release (Unicode 17 for Go 1.27); HuggingFace's category tables for
// control, format, private use, nonspacing marks and punctuation date from
// Unicode 9, so a character assigned since then may be classed differently
// (a punctuation mark new in Unicode 10 is split off here, not there).
package wordpiece
