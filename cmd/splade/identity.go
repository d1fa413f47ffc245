package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/splade-go/splade/hub"
	"github.com/splade-go/splade/internal/corpus"
)

// modelIdentity names the model and settings that made some vectors, so
// that a command reusing them (a resumed encode, a search of an index)
// can tell whether it would mix vectors of two models.
type modelIdentity struct {
	Name string `json:"name"` // the --model flag
	// Revision is the hub commit of a hub model, or "sha256:..." over the
	// files of a local folder.
	Revision   string `json:"revision"`
	Pooling    string `json:"pooling"`
	Activation string `json:"activation"`
	MaxLength  int    `json:"max_length"`
}

// identify returns the identity of the model the flags load, which reads
// texts of at most maxLength tokens. Pooling and activation are the
// flags' (empty: the model's own, which the revision pins).
func (m *modelFlags) identify(ctx context.Context, maxLength int) (modelIdentity, error) {
	id := modelIdentity{Name: m.model, Pooling: m.pooling, Activation: m.activation, MaxLength: maxLength}
	dir, err := hub.Resolve(ctx, m.model, m.hubOptions())
	if err != nil {
		return id, err
	}
	if fi, err := os.Stat(m.model); err == nil && fi.IsDir() {
		id.Revision, err = hashFolder(dir)
		return id, err
	}
	id.Revision = filepath.Base(dir) // the hub cache's snapshots/<commit>
	return id, nil
}

// hashFolder returns "sha256:" and the hash of the names and contents of
// the regular files under dir, in lexical order.
func hashFolder(dir string) (string, error) {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := os.Stat(path) // follows links, as loading does
		if err != nil || !fi.Mode().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		fmt.Fprintf(h, "%d:%s %d\n", len(rel), filepath.ToSlash(rel), fi.Size())
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(h, f)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("hashing the model folder %s: %w", dir, err)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// inputPrint fingerprints a sequence of records: a sha256 chained over
// each record's id and text.
type inputPrint struct {
	Records int    `json:"records"`
	SHA256  string `json:"sha256"`
	sum     [sha256.Size]byte
}

// add chains r into the fingerprint.
func (p *inputPrint) add(r corpus.Record) {
	h := sha256.New()
	h.Write(p.sum[:])
	h.Write(strconv.AppendInt(nil, int64(len(r.ID)), 10))
	h.Write(r.ID)
	h.Write(strconv.AppendInt(nil, int64(len(r.Text)), 10))
	h.Write([]byte(r.Text))
	h.Sum(p.sum[:0])
	p.Records++
	p.SHA256 = hex.EncodeToString(p.sum[:])
}

// indexProvenance is what splade index stores as an index file's model
// description (index.Options.Model), as JSON: the model's identity and
// a fingerprint of the documents, in the order indexed.
type indexProvenance struct {
	Model  modelIdentity `json:"model"`
	Corpus inputPrint    `json:"corpus"`
}

// readProvenance returns the provenance an index file records; ok is
// false for an index whose description is a bare model name (written
// before indexes recorded their provenance).
func readProvenance(model string) (p indexProvenance, ok bool) {
	if json.Unmarshal([]byte(model), &p) != nil || p.Model.Name == "" {
		return indexProvenance{}, false
	}
	return p, true
}
