// Package index is an inverted index of SPLADE document vectors, held in
// one file, with exact top-k search by dot product.
//
// A SPLADE vector has a few hundred non-zero weights over a vocabulary of
// about 30,000 tokens, so a query touches only the documents that share
// one of its tokens. The index keeps, for every vocabulary id, the list of
// documents whose vector has that token (their ordinals, ascending) with
// the weight, and answers a query by walking the lists of the query's
// tokens. It is meant for corpora that fit one machine (thousands to a
// few million passages) and needs no server; larger collections belong in
// a search engine, fed through the formats `splade encode` writes.
//
// # Building
//
// [Create] starts a [Builder] for a file; [Builder.Add] takes one document
// (its id, kept as given, and its vector) at a time and [Builder.Close]
// writes the file. Memory stays flat however many documents are added:
// postings and ids go to temporary files as they arrive, in a folder
// beside the index that the build removes when it ends and the next
// build of the same file removes if the process was killed
// ([TempPattern]), and Close lays them out term by term in passes over those files, each
// pass filling a buffer of [Options.BufferPostings] postings. Weights are
// stored as float32 (exact) or quantised to one byte ([Uint8]):
//
//	scale = (largest weight in the index) / 255           (float32)
//	code  = max(1, min(255, round(w / scale)))            (float64 division)
//	w'    = float32(code) * scale                         (float32)
//
// Every posting keeps a code of at least 1, so quantising drops no
// document from a list; search with a Uint8 index is exact for the
// quantised weights w'.
//
// # Searching
//
// [Index.Search] returns the k documents of largest dot product with the
// query, among those scoring above 0, best first; equal scores are
// ordered by document id in ascending byte order. Scores are summed in
// float64 and rounded to float32 once, as [sparsevec.Dot] does. The search
// is document-at-a-time with MaxScore pruning (Turtle and Flood, 1995):
// query terms are ordered by their largest possible contribution, and the
// terms whose contributions together cannot lift a document into the
// current top k are only probed for documents found through the other
// terms. Pruning never changes the result: it skips a document only when
// an upper bound of its score, with a margin for rounding, is below the
// k-th score. [SearchOptions.Exhaustive] turns it off (every document of
// every query list is scored), for comparison. An [Index] is read-only
// and safe for concurrent searches.
//
// # File format (version 1)
//
// All integers and floats are little-endian; sections follow each other
// without gaps, in this order:
//
//	header      64 bytes:
//	              [8]byte  magic "SPLDIDX\x00"
//	              uint32   format version, 1
//	              uint32   weight type: 1 float32, 2 uint8
//	              uint32   dim: the vocabulary size
//	              uint32   length of the model name in bytes
//	              uint64   documents n
//	              uint64   postings p
//	              uint64   length of the id bytes b
//	              uint64   length of the whole file, footer included
//	              float32  scale (uint8 weights; 0 for float32)
//	              uint32   0 (reserved)
//	term table  dim x {uint32 postings of the term, float32 its largest weight}
//	id offsets  (n+1) x uint64: the id of document i is ids[off[i]:off[i+1]]
//	ordinals    p x uint32: the documents of term 0, then of term 1, ...,
//	            ascending within a term
//	weights     p x float32, or p x uint8 codes, in the order of the ordinals
//	ids         b bytes: the document ids, concatenated
//	model       the model name, UTF-8
//	footer      uint32 CRC-32C (Castagnoli) of every byte before it
//
// [Open] reads the whole file, checks its length against the header
// (a truncated file is reported as such), its checksum (a flipped bit is
// reported as corruption) and then every structural rule above (sizes,
// ordinals ascending and below n, weights positive and at most their
// term's largest, offsets ascending), so a damaged file is an error,
// never a wrong result. A file of another version is refused with a
// message to rebuild it.
package index
