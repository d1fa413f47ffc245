// Package dbformat writes sparse vectors as JSON lines in the shapes that
// search engines and vector databases ingest, so that the output of
// `splade encode` can go straight into a bulk-import tool.
//
// Every format writes one line per vector, in the order the vectors are
// given. The formats are:
//
//	jsonl     {"id":ID,"indices":[...],"values":[...]}
//	tokens    {"id":ID,"tokens":{"token":weight,...}}
//	qdrant    {"id":ID,"vector":{"NAME":{"indices":[...],"values":[...]}}}
//	milvus    {"id":ID,"NAME":{"index":value,...}}
//	pinecone  {"id":ID,"sparse_values":{"indices":[...],"values":[...]}}
//	pgvector  {i:v,...}/DIM
//
// jsonl is the vector as it is: vocabulary ids in ascending order and their
// float32 weights.
//
// tokens is the document shape of an Elasticsearch sparse_vector or
// rank_features field and of an OpenSearch rank_features field: an object
// from token to weight. Those fields accept only strictly positive weights,
// so weights <= 0 are left out. Elasticsearch before 8.16 and OpenSearch
// reject feature names that contain a dot ("[rank_features] fields do not
// support dots in feature names"), so every "." in a token is replaced by
// Options.DotReplacement, "_" by default, the default separator of
// Logstash's de_dot filter. When two tokens of one vector end up with the
// same name (with the BERT vocabulary: "." and "_", or "##." and "##_")
// the larger weight is kept, because the engines reject a document with a
// duplicate key.
//
// qdrant is a point of the Qdrant REST API with one named sparse vector;
// the name defaults to "text", the name Qdrant's documentation uses for
// sparse vectors, and must match the collection's sparse_vectors_config.
//
// milvus is a row for Milvus' bulk insert: the sparse vector is a JSON
// object from the index (as a string) to the value, in the field NAME
// ("sparse_vector" by default).
//
// pinecone is a record of Pinecone's upsert API. Pinecone accepts at most
// [PineconeMaxNonZeros] non-zero values per sparse vector; this package
// writes longer vectors unchanged and leaves it to the caller to warn or
// to prune them (the splade command warns and suggests --max-active-dims).
//
// pgvector is the text form of a pgvector sparsevec value, one per line,
// ready for COPY into a sparsevec column. pgvector numbers dimensions from
// 1, like SQL arrays, so vocabulary id t is written as t+1. The lines carry
// no id: line k (from 0) is the k-th vector. pgvector's HNSW index takes
// at most 1,000 non-zero values per sparsevec (pgvec.MaxHNSWNonZeros); as
// for Pinecone, this package writes longer vectors unchanged and the
// splade command warns.
//
// [ID] reads the id back from a line, for resuming an interrupted run.
//
// Numbers are written in the shortest form that reads back as the same
// float32. NaN and infinite values are an error in every format.
package dbformat
