package httpapi

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/splade-go/splade/api"
)

// admission is the bounded queue of work in front of the encoder. A
// request first reserves the bytes of its body as they are read and
// then, once decoded, the number of its texts; when either would go
// over capacity it is refused at once with 429, so that the memory held
// by requests is bounded by the queue and not by the number of
// connections; so is the number of requests (TEI's
// max_concurrent_requests). At most two admitted requests are inside an
// encoder that runs calls one by one at once (every encoder of this
// module already uses every core for one forward pass; the second one's
// tokenization overlaps the first one's pass), every admitted request
// inside a [Batcher], which merges them into its passes; the others wait
// their turn and give up their place when their context ends: a client
// that went away, or a request past its deadline, never reaches the
// encoder.
type admission struct {
	maxTexts    int
	maxRequests int
	maxBytes    int64
	timeout     time.Duration // the request deadline; <= 0: none
	// firstTexts is what the queue takes before the encoder's speed is
	// known: one full request.
	firstTexts int
	metrics    Metrics
	slot       chan struct{} // held while the encoder runs

	mu       sync.Mutex
	texts    int           // texts admitted: waiting or encoding
	requests int           // requests admitted: waiting or encoding
	bytes    int64         // body bytes read by requests in the handler
	perText  time.Duration // moving average of the encoder's time per text: busy / texts
	busy     float64       // decaying sum of the encoder's busy time, in seconds
	done     float64       // decaying sum of the texts answered in that time
	lastEnd  time.Time     // when the encoder last finished a call
}

// encoders is how many requests may be inside an encoder that is not a
// [Batcher] at once.
const encoders = 2

// newAdmission returns the queue for lim, letting inside requests into
// the encoder at once.
func newAdmission(lim Limits, m Metrics, inside int) *admission {
	return &admission{
		maxTexts:    lim.MaxQueueTexts,
		maxRequests: lim.MaxConcurrentRequests,
		maxBytes:    lim.MaxBodyBytes * int64(max(1, (lim.MaxQueueTexts+lim.MaxTexts-1)/lim.MaxTexts)),
		timeout:     lim.Timeout,
		firstTexts:  lim.MaxTexts,
		metrics:     m,
		slot:        make(chan struct{}, inside),
	}
}

// overloaded is the error of a request refused by admission control.
func (a *admission) overloaded(what string) error {
	wait := a.retryAfter()
	return &apiError{status: http.StatusTooManyRequests, errType: api.ErrorOverloaded, retryAfter: wait,
		msg: fmt.Sprintf("Model is overloaded: %s; retry after %d s", what, wait)}
}

// retryAfter estimates, in whole seconds, when the queue will have drained.
func (a *admission) retryAfter() int {
	a.mu.Lock()
	d := time.Duration(a.texts) * a.perText
	a.mu.Unlock()
	return int(min(60, max(1, math.Ceil(d.Seconds()))))
}

// meter returns body wrapped to reserve its bytes in the queue as they
// are read; the caller calls release when the request is answered. A read
// that would take the bytes of the bodies being read over capacity fails
// with 429. Counting what arrives, not what a request declares, lets a
// client that trickles its body hold only the bytes it has sent.
func (a *admission) meter(body io.ReadCloser) *meteredBody {
	return &meteredBody{ReadCloser: body, a: a}
}

// meteredBody is a request body whose bytes read are reserved in the
// queue.
type meteredBody struct {
	io.ReadCloser
	a        *admission
	reserved int64
}

func (b *meteredBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		a := b.a
		a.mu.Lock()
		if a.bytes+int64(n) > a.maxBytes {
			queued := a.bytes
			a.mu.Unlock()
			return 0, a.overloaded(fmt.Sprintf("%d bytes of requests are being read (capacity %d)", queued, a.maxBytes))
		}
		a.bytes += int64(n)
		b.reserved += int64(n)
		a.mu.Unlock()
	}
	return n, err
}

// release gives back the bytes reserved.
func (b *meteredBody) release() {
	b.a.mu.Lock()
	b.a.bytes -= b.reserved
	b.a.mu.Unlock()
	b.reserved = 0
}

// reserveTexts admits n texts into the queue, or says it is full: when
// they are over its capacity, or when at the recent speed of the encoder
// the queue would take more than half the request deadline (so that a
// request that might end in 503 after waiting gets 429 now instead; the
// half is a margin for texts longer than the average). Until the first
// call of the encoder tells its speed, the queue takes one request's
// worth of texts. A request is always admitted into an empty queue.
func (a *admission) reserveTexts(n int) (release func(), err error) {
	a.mu.Lock()
	if a.maxRequests > 0 && a.requests >= a.maxRequests {
		queued := a.requests
		a.mu.Unlock()
		return nil, a.overloaded(fmt.Sprintf("%d requests in flight (max_concurrent_requests %d)", queued, a.maxRequests))
	}
	if a.texts+n > a.maxTexts {
		queued := a.texts
		a.mu.Unlock()
		return nil, a.overloaded(fmt.Sprintf("%d texts queued, %d more do not fit (capacity %d)", queued, n, a.maxTexts))
	}
	if a.timeout > 0 && a.texts > 0 {
		queued := a.texts
		switch wait := time.Duration(a.texts+n) * a.perText; {
		case a.perText == 0 && a.texts+n > a.firstTexts:
			a.mu.Unlock()
			return nil, a.overloaded(fmt.Sprintf("%d texts queued and the encoder's speed not yet known", queued))
		case wait > a.timeout/2:
			a.mu.Unlock()
			return nil, a.overloaded(fmt.Sprintf("%d texts queued; at %v per text, %d more might not be done within the %v deadline", queued, a.perText.Round(time.Microsecond), n, a.timeout))
		}
	}
	a.texts += n
	a.requests++
	depth := a.texts
	a.mu.Unlock()
	a.setDepth(depth)
	return func() {
		a.mu.Lock()
		a.requests--
		a.texts -= n
		depth := a.texts
		a.mu.Unlock()
		a.setDepth(depth)
	}, nil
}

func (a *admission) setDepth(n int) {
	if a.metrics != nil {
		a.metrics.SetQueueDepth(n)
	}
}

// encode runs f when the encoder is free, unless ctx ends first, and
// keeps the average time per text up to date.
func (a *admission) encode(ctx context.Context, texts int, f func() error) error {
	select {
	case a.slot <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-a.slot }()
	if err := ctx.Err(); err != nil {
		return err
	}
	start := time.Now()
	err := f()
	end := time.Now()
	a.mu.Lock()
	// The encoder's time for this call not yet counted: since it
	// started, or since the call before it ended if that was later (the
	// two overlapped, and the encoder runs one forward pass at a time;
	// calls merged into one pass end together, and the pass counts once
	// for all their texts).
	busy := end.Sub(start)
	if a.lastEnd.After(start) {
		busy = max(end.Sub(a.lastEnd), 0)
	}
	if end.After(a.lastEnd) {
		a.lastEnd = end
	}
	if texts > 0 && err == nil {
		if a.done == 0 && a.perText > 0 { // a speed known beforehand
			a.busy, a.done = a.perText.Seconds(), 1
		}
		const keep = 7.0 / 8 // the weight of the past
		a.busy = keep*a.busy + busy.Seconds()
		a.done = keep*a.done + float64(texts)
		a.perText = max(time.Duration(a.busy/a.done*float64(time.Second)), 1)
	}
	a.mu.Unlock()
	return err
}

// setRetryAfter adds the Retry-After header of a 429.
func setRetryAfter(w http.ResponseWriter, seconds int) {
	if seconds > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(seconds))
	}
}
