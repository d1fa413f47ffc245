package native

// embedding copies the word embedding of token id into row [H]: from the
// table, or, for an fp32 model whose decoder is tied to the embeddings,
// from the packed decoder, which holds the same values (see New), so
// that a large vocabulary's table is held once.
func (m *Model) embedding(row []float32, id int32) {
	if m.wordEmb != nil {
		H := len(row)
		copy(row, m.wordEmb[int(id)*H:int(id+1)*H])
		return
	}
	m.dec.column(row, int(id))
}

// column copies column n of b, B[0:K, n], into dst [K]: for a packed
// nn.Linear weight W [N, K] (B = Wᵀ), row n of W.
func (b packed) column(dst []float32, n int) {
	p := b.panel(n / panelWidth)
	j := n % panelWidth
	for k := range dst[:b.k] {
		dst[k] = p[k*panelWidth+j]
	}
}
