// Package corpus reads the texts to encode and their ids, one record per
// line, in the input formats every command and pipeline of this project
// accepts:
//
//   - [Text]: one text per line; every line is a record, blank ones
//     included, and its id is its 0-based record number.
//   - [JSONL]: one JSON object {"id": any JSON value, "text": "..."} per
//     line; blank lines are skipped; a line without "id" gets its 0-based
//     record number. A BEIR corpus line reads the same: its "_id" is the id
//     when "id" is absent, and a "title" is joined to the text by [Join].
//   - [BEIR]: BEIR's corpus.jsonl, {"_id": ..., "title": "...", "text":
//     "..."} per line; "_id" is required and the text is always
//     [Join](title, text), as BEIR encodes documents for SPLADE.
//
// Invalid UTF-8 is replaced by U+FFFD ([ValidUTF8]) and the record says
// so, so that a caller can warn. A line that is not a record of its
// format is a [*LineError] naming the input and the line; the [Reader]
// goes on with the next line when asked, so a caller may stop at the
// first bad line (the splade command does) or set it aside and go on (the
// Beam pipeline writes it to a dead-letter output).
package corpus
