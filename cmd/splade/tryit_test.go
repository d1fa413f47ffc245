package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/internal/testutil/tryit"
)

// TestTryItPage opens the try-it page of `splade serve` in headless
// Chromium, types a query and three documents with the keyboard, submits,
// reads the bars, tokens, scores and sparsity back and compares them with
// what /decode, /tokenize, /similarity and /encode answer (tryit.Check).
// With SPLADE_SCREENSHOT_DIR set it saves a screenshot of each model's
// page there (docs/try-it.png in the README is small-bert-30522's).
func TestTryItPage(t *testing.T) {
	for _, name := range []string{"tiny-bert", "small-bert-30522"} {
		t.Run(name, func(t *testing.T) {
			dir := reference.Fixture(t, name)
			query := "what makes the weather lovely"
			docs := []string{"The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."}
			if name == "small-bert-30522" {
				// A Cranfield query one of whose words the random-weight
				// model puts among the top 20 terms, so that the page
				// shows both kinds of bars.
				for _, q := range cranfieldQueries(t) {
					if strings.HasPrefix(q, "is there any simple,") {
						query = q
					}
				}
				docs = []string{"numerical integration of the blasius equation", "three-point boundary conditions of a mixing layer", "The weather is lovely today."}
			}
			// Served by the fixture's folder name, as a user in the folder
			// above it would, so that the page (and the screenshot) shows
			// "small-bert-30522", not a path of this machine.
			wd, err := os.Getwd()
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Chdir(filepath.Dir(dir)); err != nil {
				t.Fatal(err)
			}
			base, _, _, _ := startServe(t, "--model", filepath.Base(dir))
			if err := os.Chdir(wd); err != nil {
				t.Fatal(err)
			}
			shot := ""
			if d := os.Getenv("SPLADE_SCREENSHOT_DIR"); d != "" {
				shot = filepath.Join(d, "try-it-"+name+".png")
			}
			tryit.Check(t, base, query, docs, tryit.Open(t, base, query, docs, shot))
		})
	}
}
