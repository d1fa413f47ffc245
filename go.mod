module github.com/splade-go/splade

go 1.27

require (
	github.com/gomlx/go-huggingface v0.4.12 // indirect
	github.com/gomlx/gomlx v0.28.16 // indirect
	github.com/nlpodyssey/gopickle v0.2.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/term v0.48.0 // indirect
	golang.org/x/text v0.44.0 // indirect
)
toolchain go1.27.4
