package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
	pgxvec "github.com/pgvector/pgvector-go/pgx"

	"github.com/splade-go/splade/internal/dbformat"
	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/model"
	"github.com/splade-go/splade/pgvec"
	"github.com/splade-go/splade/sparsevec"
)

// pgliteListenRE matches the line pglite-server prints once it listens.
var pgliteListenRE = regexp.MustCompile(`listening on (\{.*\})`)

// startPGlite starts PGlite (Postgres compiled to WebAssembly, with the
// pgvector extension) from node_modules as a Postgres server on loopback,
// with its data folder dataDir on the host (mounted at /pglite/data
// inside PGlite), and returns a connection to it.
func startPGlite(t *testing.T, dataDir string) *pgx.Conn {
	t.Helper()
	root := reference.Root(t)
	script := filepath.Join(root, "node_modules", "@electric-sql", "pglite-socket", "dist", "scripts", "server.js")
	for _, pkg := range []string{"pglite", "pglite-pgvector", "pglite-socket"} {
		if _, err := os.Stat(filepath.Join(root, "node_modules", "@electric-sql", pkg, "package.json")); err != nil {
			t.Skipf("@electric-sql/%s is not in node_modules (run npm ci): %v", pkg, err)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed; the PGlite server needs it")
	}
	cmd := exec.Command(node, script, "--db="+dataDir, "--port=0", "--host=127.0.0.1",
		"--extensions=@electric-sql/pglite-pgvector:vector")
	cmd.Dir = root
	stdout, _ := cmd.StdoutPipe()
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := pgliteListenRE.FindStringSubmatch(sc.Text()); m != nil {
				var a struct {
					Port int
					Host string
				}
				if json.Unmarshal([]byte(m[1]), &a) == nil {
					addr <- fmt.Sprintf("%s:%d", a.Host, a.Port)
				}
			}
		}
	}()
	var hostPort string
	select {
	case hostPort = <-addr:
	case <-time.After(3 * time.Minute):
		t.Fatalf("pglite-server did not start; stderr: %s", stderr.String())
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, "postgres://postgres@"+hostPort+"/postgres?sslmode=disable")
	if err != nil {
		t.Fatalf("connecting to PGlite at %s: %v", hostPort, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestPGVectorRoundTrip loads the output of "splade encode --format
// pgvector" into a sparsevec(30522) column of a real Postgres with
// pgvector (PGlite on loopback) with COPY, and the same documents encoded
// by the library through pgvector-go; then it asks both tables, with and
// without an HNSW index, for the 10 best documents of each query by
// inner product (<#>) and checks the ids and scores against "splade
// similarity" on the same texts.
func TestPGVectorRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Postgres server; skipped with -short")
	}
	modelDir := reference.Shared(t, "fixtures/small-bert-30522")
	docs := cranfieldAbstracts(t)[:200]
	queries := cranfieldQueries(t)[:8]
	dataDir := t.TempDir()
	conn := startPGlite(t, dataDir)
	ctx := context.Background()

	sqlExec := func(sql string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	sqlExec("CREATE EXTENSION IF NOT EXISTS vector")
	var version string
	if err := conn.QueryRow(ctx, "SELECT extversion FROM pg_extension WHERE extname = 'vector'").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(version, "0.8.") {
		t.Errorf("pgvector %s, want 0.8", version)
	}
	if err := pgxvec.RegisterTypes(ctx, conn); err != nil {
		t.Fatal(err)
	}

	// The CLI's output, as COPY loads it. COPY FROM STDIN does not pass
	// through pglite-server (it hands PGlite one protocol message at a
	// time), so the file goes into PGlite's data folder and COPY reads it
	// there; psql's \copy against a real server sends the same lines.
	const dim = 30522
	pg := mustRun(t, strings.NewReader(strings.Join(docs, "\n")+"\n"),
		"encode", "--model", modelDir, "--document", "--format", "pgvector", "--max-active-dims", strconv.Itoa(pgvec.MaxHNSWNonZeros))
	if err := os.WriteFile(filepath.Join(dataDir, "docs.txt"), []byte(pg), 0o644); err != nil {
		t.Fatal(err)
	}
	sqlExec(fmt.Sprintf("CREATE TABLE docs (id bigint GENERATED ALWAYS AS IDENTITY (MINVALUE 0 START WITH 0) PRIMARY KEY, embedding sparsevec(%d))", dim))
	sqlExec("COPY docs (embedding) FROM '/pglite/data/docs.txt'")

	// The library's vectors, through pgvector-go.
	enc, err := model.Load(ctx, modelDir, model.Options{MaxActiveDims: pgvec.MaxHNSWNonZeros})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	docVecs, err := enc.EncodeDocument(ctx, docs)
	if err != nil {
		t.Fatal(err)
	}
	queryVecs, err := enc.EncodeQuery(ctx, queries)
	if err != nil {
		t.Fatal(err)
	}
	sqlExec(fmt.Sprintf("CREATE TABLE docs_lib (id bigint PRIMARY KEY, embedding sparsevec(%d))", dim))
	// INSERTs in one batch (pgx's CopyFrom uses COPY FROM STDIN, which
	// pglite-server does not pass through; see above).
	batch := &pgx.Batch{}
	for i, v := range docVecs {
		if v.Len() > pgvec.MaxHNSWNonZeros {
			t.Fatalf("document %d has %d non-zeros despite MaxActiveDims", i, v.Len())
		}
		batch.Queue("INSERT INTO docs_lib (id, embedding) VALUES ($1, $2)", int64(i), pgvec.SparseVector(v))
	}
	if err := conn.SendBatch(ctx, batch).Close(); err != nil {
		t.Fatalf("inserting into docs_lib: %v", err)
	}

	// Both tables hold the library's vectors exactly.
	for _, table := range []string{"docs", "docs_lib"} {
		rs, err := conn.Query(ctx, "SELECT id, embedding FROM "+table+" ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rs.Next() {
			var id int64
			var sv pgvector.SparseVector
			if err := rs.Scan(&id, &sv); err != nil {
				t.Fatal(err)
			}
			got, err := pgvec.FromSparseVector(sv)
			if err != nil {
				t.Fatal(err)
			}
			want := docVecs[id]
			if got.Dim != dim || !slices.Equal(got.Indices, want.Indices) || !slices.Equal(got.Values, want.Values) {
				t.Errorf("%s row %d is not the library's vector of document %d", table, id, id)
			}
			n++
		}
		if rs.Err() != nil || n != len(docs) {
			t.Fatalf("%s: %d rows (%v), want %d", table, n, rs.Err(), len(docs))
		}
	}

	// The reference scores: splade similarity on the same texts.
	qf := filepath.Join(t.TempDir(), "queries.txt")
	df := filepath.Join(t.TempDir(), "docs.txt")
	os.WriteFile(qf, []byte(strings.Join(queries, "\n")+"\n"), 0o644)
	os.WriteFile(df, []byte(strings.Join(docs, "\n")+"\n"), 0o644)
	var sim struct{ Scores [][]float32 }
	if err := json.Unmarshal([]byte(mustRun(t, nil, "similarity", "--model", modelDir, "--json", "--max-active-dims", strconv.Itoa(pgvec.MaxHNSWNonZeros),
		"--queries", qf, "--documents", df)), &sim); err != nil {
		t.Fatal(err)
	}
	if len(sim.Scores) != len(queries) {
		t.Fatalf("similarity: %d rows, want %d", len(sim.Scores), len(queries))
	}
	// The CLI's query vectors, as pgvector literals.
	qpg := splitLines(mustRun(t, strings.NewReader(strings.Join(queries, "\n")+"\n"),
		"encode", "--model", modelDir, "--query", "--format", "pgvector", "--max-active-dims", strconv.Itoa(pgvec.MaxHNSWNonZeros)))

	check := func(what, table string, hnsw bool) {
		t.Helper()
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if hnsw {
			// 1000 candidates over 200 rows: the graph search visits every
			// reachable row, so the top 10 is exact.
			for _, s := range []string{"SET LOCAL enable_seqscan = off", "SET LOCAL hnsw.ef_search = 1000"} {
				if _, err := tx.Exec(ctx, s); err != nil {
					t.Fatal(err)
				}
			}
			var plan strings.Builder
			rs, _ := tx.Query(ctx, "EXPLAIN SELECT id FROM "+table+" ORDER BY embedding <#> $1 LIMIT 10", pgvec.SparseVector(queryVecs[0]))
			for rs.Next() {
				var line string
				rs.Scan(&line)
				plan.WriteString(line + "\n")
			}
			if !strings.Contains(plan.String(), "Index Scan using "+table+"_embedding_idx") {
				t.Fatalf("%s: the query does not use the HNSW index:\n%s", what, plan.String())
			}
		}
		for qi := range queries {
			// The CLI's literal for docs, the library's SparseVector for
			// docs_lib.
			var arg any = pgvec.SparseVector(queryVecs[qi])
			if table == "docs" {
				arg = strings.TrimSuffix(qpg[qi], "\n")
			}
			rs, err := tx.Query(ctx, "SELECT id, -(embedding <#> $1::sparsevec) FROM "+table+" ORDER BY embedding <#> $1::sparsevec, id LIMIT 10", arg)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int
			var scores []float64
			for rs.Next() {
				var id int64
				var s float64
				if err := rs.Scan(&id, &s); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, int(id))
				scores = append(scores, s)
			}
			if rs.Err() != nil {
				t.Fatal(rs.Err())
			}
			checkTop10(t, fmt.Sprintf("%s, query %d", what, qi), ids, scores, sim.Scores[qi])
		}
	}
	check("COPY of the CLI output, exact scan", "docs", false)
	check("library through pgvector-go, exact scan", "docs_lib", false)
	sqlExec("CREATE INDEX docs_embedding_idx ON docs USING hnsw (embedding sparsevec_ip_ops)")
	sqlExec("CREATE INDEX docs_lib_embedding_idx ON docs_lib USING hnsw (embedding sparsevec_ip_ops)")
	check("COPY of the CLI output, HNSW", "docs", true)
	check("library through pgvector-go, HNSW", "docs_lib", true)

	// The HNSW index refuses what the CLI warns about.
	big := sparsevec.Vector{Dim: dim}
	for i := range pgvec.MaxHNSWNonZeros + 1 {
		big.Indices = append(big.Indices, uint32(i))
		big.Values = append(big.Values, 1)
	}
	if _, err := conn.Exec(ctx, "INSERT INTO docs_lib VALUES (100000, $1)", pgvec.SparseVector(big)); err == nil {
		t.Errorf("a sparsevec with %d non-zeros went into an HNSW-indexed column; the CLI's warning would be wrong", big.Len())
	}
	var o overLimit
	o.format = dbformat.PGVector
	o.add(json.RawMessage("4"), big)
	var warn strings.Builder
	o.report(&warn)
	if !strings.Contains(warn.String(), "1 vectors (the first: line 5) have more than 1000 non-zero values, which a pgvector HNSW index rejects") {
		t.Errorf("warning %q", warn.String())
	}
}

// checkTop10 checks that ids are the 10 documents of the best reference
// scores ref, best first, and scores their reference scores within 1e-5.
func checkTop10(t *testing.T, what string, ids []int, scores []float64, ref []float32) {
	t.Helper()
	order := make([]int, len(ref))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case ref[a] > ref[b]:
			return -1
		case ref[a] < ref[b]:
			return 1
		}
		return a - b
	})
	if len(ids) != 10 {
		t.Errorf("%s: %d rows, want 10", what, len(ids))
		return
	}
	const tol = 1e-5
	for r, id := range ids {
		want := float64(ref[order[r]])
		if math.Abs(scores[r]-want) > tol*max(1, math.Abs(want)) {
			t.Errorf("%s: rank %d: score %v, want %v (document %d)", what, r+1, scores[r], want, order[r])
		}
		if math.Abs(float64(ref[id])-scores[r]) > tol*max(1, math.Abs(want)) {
			t.Errorf("%s: rank %d: document %d scores %v in Postgres, %v in splade similarity", what, r+1, id, scores[r], ref[id])
		}
	}
	if r := order[:10]; !sameSet(ids, r) && !tiedAtTen(ref, order, tol) {
		t.Errorf("%s: documents %v, want %v", what, ids, r)
	}
}

func sameSet(a, b []int) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// tiedAtTen reports whether the 10th and 11th best reference scores tie
// within tol, so either document may come 10th.
func tiedAtTen(ref []float32, order []int, tol float64) bool {
	return len(order) > 10 && math.Abs(float64(ref[order[9]]-ref[order[10]])) <= tol
}
