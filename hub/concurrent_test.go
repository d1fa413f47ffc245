package hub_test

// Issue 11 row 8: concurrent processes downloading one model into one
// empty cache. Each is a real process (this test binary, re-run as a
// child) that loads the model by its Hub id, as `splade encode --model
// org/x` does, and checks its vectors against the reference.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/splade-go/splade/internal/testutil/fakehub"
	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/model"
)

const concurrentRepo = "test-org/tiny-bert"

// childEnv, when set, makes TestConcurrentChild a child process: it loads
// concurrentRepo through HF_ENDPOINT into HF_HUB_CACHE and checks its
// vectors.
const childEnv = "SPLADE_HUB_CONCURRENT_CHILD"

func TestConcurrentChild(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("run by TestConcurrentProcesses as a child process")
	}
	exp := reference.LoadExpected(t, filepath.Join(reference.Fixture(t, "tiny-bert"), "expected.json"))
	enc, err := model.Load(context.Background(), concurrentRepo, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	vs, err := enc.EncodeDocument(context.Background(), exp.Texts())
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range exp.Cases {
		reference.CheckVector(t, fmt.Sprintf("case %d", i), vs[i].Indices, vs[i].Values, c)
	}
}

func TestConcurrentProcesses(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		t.Skip("child process")
	}
	const procs = 3
	rounds := 30
	if testing.Short() {
		rounds = 5 // the race-detector run of CI
	}
	src := reference.Fixture(t, "tiny-bert")
	fakehub.Isolate(t)
	h := fakehub.New()
	h.AddDir(t, concurrentRepo, "main", "", src)
	srv := h.Start(t)
	for round := range rounds {
		cache := filepath.Join(t.TempDir(), "hub")
		var wg sync.WaitGroup
		errs := make([]error, procs)
		outs := make([][]byte, procs)
		for p := range procs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(os.Args[0], "-test.run=^TestConcurrentChild$", "-test.count=1", "-test.v")
				cmd.Env = append(os.Environ(), childEnv+"=1", "HF_ENDPOINT="+srv.URL, "HF_HUB_CACHE="+cache, "HF_HOME="+filepath.Dir(cache))
				outs[p], errs[p] = cmd.CombinedOutput()
			}()
		}
		wg.Wait()
		if round == 0 {
			t.Logf("round 0, process 0:\n%s", outs[0])
		}
		for p, err := range errs {
			if err != nil || !strings.Contains(string(outs[p]), "--- PASS: TestConcurrentChild") {
				t.Fatalf("round %d, process %d: %v\n%s", round, p, err, outs[p])
			}
		}
	}
}
