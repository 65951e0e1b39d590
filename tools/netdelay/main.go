// meshkit-netdelay holds every packet that an iptables NFQUEUE rule sends to its queue for a
// configured delay (± uniform jitter, optionally correlated like netem's) and then accepts it.
// It is the fault agent's network-latency mechanism on kernels without sch_netem.
//
// The rules that feed it use --queue-bypass, so packets pass undelayed whenever no delayer is bound.
// On SIGTERM/SIGINT (or, with --stdin-lifeline, when its stdin closes because the agent died) it
// accepts every packet it still holds and exits 0: stopping it never drops traffic.
package main

import (
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/florianl/go-nfqueue/v2"
	"github.com/mdlayher/netlink"
)

type options struct {
	queue         uint16
	delay, jitter time.Duration
	correlation   float64
	maxQueueLen   uint32
	stdinLifeline bool
}

func parseOptions(args []string) (options, error) {
	fs := flag.NewFlagSet("meshkit-netdelay", flag.ContinueOnError)
	queue := fs.Int("queue", -1, "NFQUEUE number to bind (0-65535)")
	delayMs := fs.Float64("delay-ms", -1, "delay per packet in milliseconds")
	jitterMs := fs.Float64("jitter-ms", 0, "uniform jitter in milliseconds (delay ± jitter, never below 0)")
	correlationPct := fs.Float64("correlation-pct", 0, "correlation of each packet's jitter with the previous one, 0-100 (as netem)")
	maxQueueLen := fs.Uint("max-queue-len", 10000, "packets the kernel queues for us before --queue-bypass/fail-open lets them pass")
	lifeline := fs.Bool("stdin-lifeline", false, "exit gracefully when stdin reaches EOF (the parent died)")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	switch {
	case fs.NArg() > 0:
		return options{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case *queue < 0 || *queue > 65535:
		return options{}, fmt.Errorf("--queue must be 0-65535, got %d", *queue)
	case *delayMs < 0 || *delayMs > 60_000:
		return options{}, fmt.Errorf("--delay-ms must be 0-60000, got %v", *delayMs)
	case *jitterMs < 0 || *jitterMs > 60_000:
		return options{}, fmt.Errorf("--jitter-ms must be 0-60000, got %v", *jitterMs)
	case *correlationPct < 0 || *correlationPct > 100:
		return options{}, fmt.Errorf("--correlation-pct must be 0-100, got %v", *correlationPct)
	case *maxQueueLen < 1 || *maxQueueLen > 1<<20:
		return options{}, fmt.Errorf("--max-queue-len must be 1-%d, got %d", 1<<20, *maxQueueLen)
	}
	ms := func(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
	return options{
		queue:         uint16(*queue),
		delay:         ms(*delayMs),
		jitter:        ms(*jitterMs),
		correlation:   *correlationPct / 100,
		maxQueueLen:   uint32(*maxQueueLen),
		stdinLifeline: *lifeline,
	}, nil
}

// delays draws each packet's delay: delay + jitter·(2u-1), u uniform in [0,1), where u is mixed with
// the previous draw by the correlation (netem's get_crandom), and clamped at 0.
type delays struct {
	base, jitter time.Duration
	rho, last    float64
	rng          *rand.Rand
}

func (d *delays) next() time.Duration {
	if d.jitter == 0 {
		return d.base
	}
	u := d.rng.Float64()
	if d.rho > 0 {
		u = (1-d.rho)*u + d.rho*d.last
		d.last = u
	}
	v := d.base + time.Duration((2*u-1)*float64(d.jitter))
	if v < 0 {
		return 0
	}
	return v
}

// held is one packet waiting for its verdict; seq breaks ties so equal deadlines keep arrival order
// (without jitter the delayer never reorders a flow).
type held struct {
	due time.Time
	seq uint64
	id  uint32
}

type byDue []held

func (h byDue) Len() int { return len(h) }
func (h byDue) Less(i, j int) bool {
	if h[i].due.Equal(h[j].due) {
		return h[i].seq < h[j].seq
	}
	return h[i].due.Before(h[j].due)
}
func (h byDue) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *byDue) Push(x any)   { *h = append(*h, x.(held)) }
func (h *byDue) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// holder keeps packets until they are due; one goroutine releases them in deadline order.
type holder struct {
	mu       sync.Mutex
	heap     byDue
	seq      uint64
	closing  bool
	wake     chan struct{}
	draws    delays
	accept   func(id uint32)
	released uint64
}

// add returns false when the holder is closing: the caller accepts the packet at once.
func (h *holder) add(id uint32, now time.Time) bool {
	h.mu.Lock()
	if h.closing {
		h.mu.Unlock()
		return false
	}
	h.seq++
	heap.Push(&h.heap, held{due: now.Add(h.draws.next()), seq: h.seq, id: id})
	first := h.heap[0].id == id
	h.mu.Unlock()
	if first {
		select {
		case h.wake <- struct{}{}:
		default:
		}
	}
	return true
}

func (h *holder) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		h.mu.Lock()
		now := time.Now()
		var due []uint32
		for len(h.heap) > 0 && !h.heap[0].due.After(now) {
			due = append(due, heap.Pop(&h.heap).(held).id)
		}
		wait := time.Hour
		if len(h.heap) > 0 {
			wait = h.heap[0].due.Sub(now)
		}
		h.mu.Unlock()
		for _, id := range due {
			h.accept(id)
		}
		h.mu.Lock()
		h.released += uint64(len(due))
		h.mu.Unlock()
		if len(due) > 0 {
			continue
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-h.wake:
		case <-timer.C:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// drain stops holding: every packet still held is accepted now, later ones are accepted on arrival.
func (h *holder) drain() int {
	h.mu.Lock()
	h.closing = true
	rest := make([]held, 0, len(h.heap))
	for len(h.heap) > 0 {
		rest = append(rest, heap.Pop(&h.heap).(held))
	}
	h.mu.Unlock()
	for _, p := range rest {
		h.accept(p.id)
	}
	return len(rest)
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "meshkit-netdelay: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	opts, err := parseOptions(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "meshkit-netdelay: %v (see --help)\n", err)
		os.Exit(2)
	}

	nf, err := nfqueue.Open(&nfqueue.Config{
		NfQueue:     opts.queue,
		MaxQueueLen: opts.maxQueueLen,
		// Only the packet id is needed, never the payload.
		Copymode: nfqueue.NfQnlCopyMeta,
		// Fail open: when our queue is full the kernel accepts instead of dropping (latency, not loss).
		Flags:        nfqueue.NfQaCfgFlagFailOpen | nfqueue.NfQaCfgFlagGSO,
		WriteTimeout: 2 * time.Second,
	})
	if err != nil {
		fail("cannot open the nfnetlink queue socket: %v (needs CAP_NET_ADMIN in this network namespace)", err)
	}
	defer nf.Close()
	// A burst can outrun us; without this the socket reports ENOBUFS and the kernel keeps the packets.
	_ = nf.SetOption(netlink.NoENOBUFS, true)

	var verdictMu sync.Mutex
	var verdictErrors uint64
	accept := func(id uint32) {
		verdictMu.Lock()
		defer verdictMu.Unlock()
		if err := nf.SetVerdict(id, nfqueue.NfAccept); err != nil {
			verdictErrors++
			if verdictErrors <= 5 {
				fmt.Fprintf(os.Stderr, "meshkit-netdelay: verdict for packet %d: %v\n", id, err)
			}
		}
	}
	h := &holder{
		wake:   make(chan struct{}, 1),
		accept: accept,
		draws: delays{
			base: opts.delay, jitter: opts.jitter, rho: opts.correlation,
			rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(os.Getpid()))),
		},
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hook := func(a nfqueue.Attribute) int {
		if a.PacketID == nil {
			return 0
		}
		if !h.add(*a.PacketID, time.Now()) {
			accept(*a.PacketID)
		}
		return 0
	}
	onError := func(err error) int {
		if ctx.Err() != nil {
			return 1
		}
		fmt.Fprintf(os.Stderr, "meshkit-netdelay: receive: %v\n", err)
		return 0
	}
	if err := nf.RegisterWithErrorFunc(ctx, hook, onError); err != nil {
		hint := "is another process bound to it?"
		if errors.Is(err, syscall.EPERM) || strings.Contains(err.Error(), "not permitted") {
			hint = "needs CAP_NET_ADMIN in this network namespace: docker --cap-add NET_ADMIN"
		}
		fail("cannot bind NFQUEUE %d: %v (%s)", opts.queue, err, hint)
	}

	releaserDone := make(chan struct{})
	go func() {
		defer close(releaserDone)
		h.run(ctx)
	}()

	stop := make(chan string, 2)
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() { stop <- (<-signals).String() }()
	if opts.stdinLifeline {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop <- "stdin closed"
		}()
	}

	ready, _ := json.Marshal(map[string]any{
		"ready": true, "queue": opts.queue, "pid": os.Getpid(),
		"delayMs": opts.delay.Seconds() * 1000, "jitterMs": opts.jitter.Seconds() * 1000, "correlationPct": opts.correlation * 100,
	})
	fmt.Println(string(ready))

	reason := <-stop
	flushed := h.drain()
	cancel()
	<-releaserDone
	h.mu.Lock()
	released := h.released
	h.mu.Unlock()
	verdictMu.Lock()
	errs := verdictErrors
	verdictMu.Unlock()
	fmt.Fprintf(os.Stderr, "meshkit-netdelay: stopping (%s): %d packets released on time, %d accepted early, %d verdict errors\n", reason, released, flushed, errs)
}
