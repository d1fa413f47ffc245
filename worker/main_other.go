//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "worker: this program runs inside Cloudflare Workers (GOOS=js GOARCH=wasm); "+
		"build a deployable folder with: go run ./worker/build -model DIR -out OUT")
	os.Exit(2)
}
