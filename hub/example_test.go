package hub_test

import (
	"context"
	"fmt"
	"log"
	"path/filepath"

	"github.com/splade-go/splade/hub"
)

// A local model folder is used as it is, without network.
func ExampleResolve() {
	dir, err := hub.Resolve(context.Background(), filepath.Join("..", "testdata", "tiny-bert"), hub.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(filepath.Base(dir))
	// Output: tiny-bert
}

// A Hub model is downloaded once into the Hugging Face cache (the one
// Python uses), then served from it; with Offline the network is never used.
func ExampleResolve_offline() {
	dir, err := hub.Resolve(context.Background(), "naver/splade-v3", hub.Options{Offline: true})
	if err != nil {
		log.Fatal(err) // not in the cache: run once with network access
	}
	fmt.Println(dir) // ~/.cache/huggingface/hub/models--naver--splade-v3/snapshots/<commit>
}
