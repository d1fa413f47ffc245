package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress shows a progress bar on standard error: the count, the rate
// and, when the total is known, the ETA. It shows when forced
// (--progress), or when standard error is a terminal and the input is
// more than a screenful; --quiet hides it.
type progress struct {
	w         io.Writer
	what      string
	total     int // -1 when unknown
	enabled   bool
	threshold int // show only once more than this many texts are seen
	count     int
	bar       *progressbar.ProgressBar
}

// newProgress returns the progress of total texts (-1: unknown) under
// the flags in.
func newProgress(stderr io.Writer, in inputFlags, what string, total int) *progress {
	p := &progress{w: stderr, what: what, total: total}
	switch {
	case in.quiet:
	case in.progress:
		p.enabled = true
	default:
		f, ok := stderr.(*os.File)
		if ok && term.IsTerminal(int(f.Fd())) {
			p.enabled = true
			p.threshold = 24
			if _, rows, err := term.GetSize(int(f.Fd())); err == nil && rows > 0 {
				p.threshold = rows
			}
		}
	}
	if p.enabled && total > p.threshold {
		p.start()
	}
	return p
}

// wanted reports whether the caller should find out the total (which may
// cost a pass over the input file).
func progressWanted(stderr io.Writer, in inputFlags) bool {
	if in.quiet {
		return false
	}
	if in.progress {
		return true
	}
	f, ok := stderr.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (p *progress) start() {
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription(p.what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("texts"),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100 * time.Millisecond),
		// No background spinner: the bar is drawn only by add, so
		// nothing writes to standard error behind the caller's back.
		progressbar.OptionSetSpinnerChangeInterval(0),
		progressbar.OptionSetRenderBlankState(true),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(p.w) }),
	}
	if p.total >= 0 {
		opts = append(opts, progressbar.OptionSetPredictTime(true))
	} else {
		opts = append(opts, progressbar.OptionSetElapsedTime(true))
	}
	p.bar = progressbar.NewOptions(p.total, opts...)
	if p.count > 0 {
		p.bar.Add(p.count)
	}
}

// add counts n more finished texts.
func (p *progress) add(n int) {
	p.count += n
	if p.bar == nil && p.enabled && p.count > p.threshold {
		p.start()
		return
	}
	if p.bar != nil {
		p.bar.Add(n)
	}
}

// done ends the bar, leaving its last state on its own line.
func (p *progress) done() {
	switch {
	case p.bar == nil:
	case p.total < 0:
		p.bar.Finish()
	case p.count < p.total:
		p.bar.Exit()
	}
	p.bar = nil
}
