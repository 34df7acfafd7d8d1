package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// isTerminal reports whether w is a terminal (live bars) rather than a
// file or pipe (plain lines).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// barObserver draws an overall bar with an ETA and one line per worker
// showing its current task.
type barObserver struct {
	p       *mpb.Progress
	mu      sync.Mutex
	total   *mpb.Bar
	workers map[int]*workerLine
	failed  atomic.Int64
	start   time.Time
	// lm guards the labels; decorators take only lm, never mu, because mpb
	// renders while mu may be held around a call into mpb.
	lm sync.Mutex
}

type workerLine struct {
	bar   *mpb.Bar
	label string
	since time.Time
}

func newBarObserver(w io.Writer) *barObserver {
	return &barObserver{p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(40), mpb.WithRefreshRate(200*time.Millisecond)),
		workers: map[int]*workerLine{}, start: time.Now()}
}

func (o *barObserver) Plan(tasks, stored int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	title := "tasks"
	if stored > 0 {
		title = fmt.Sprintf("tasks (%d runs already stored)", stored)
	}
	o.total = o.p.AddBar(int64(tasks),
		mpb.PrependDecorators(decor.Name(title+" "), decor.CountersNoUnit("%d/%d")),
		mpb.AppendDecorators(decor.Percentage(decor.WCSyncSpace), decor.Name(" eta "),
			decor.AverageETA(decor.ET_STYLE_GO, decor.WCSyncSpace),
			decor.Any(func(decor.Statistics) string {
				if n := o.failed.Load(); n > 0 {
					return fmt.Sprintf("  %d failed", n)
				}
				return ""
			})))
}

func (o *barObserver) Start(worker int, label string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	wl := o.workers[worker]
	if wl == nil {
		wl = &workerLine{}
		o.workers[worker] = wl
		wl.bar = o.p.New(0, mpb.NopStyle(), mpb.BarPriority(1000+worker),
			mpb.PrependDecorators(decor.Any(func(decor.Statistics) string {
				o.lm.Lock()
				defer o.lm.Unlock()
				if wl.label == "" {
					return fmt.Sprintf("  worker %2d  idle", worker+1)
				}
				return fmt.Sprintf("  worker %2d  %-48s %5.1fs", worker+1, wl.label, time.Since(wl.since).Seconds())
			})))
	}
	o.lm.Lock()
	wl.label, wl.since = label, time.Now()
	o.lm.Unlock()
}

func (o *barObserver) Finish(worker int, label string, err error) {
	if err != nil {
		o.failed.Add(1)
	}
	o.mu.Lock()
	wl, total := o.workers[worker], o.total
	o.mu.Unlock()
	if wl != nil {
		o.lm.Lock()
		wl.label = ""
		o.lm.Unlock()
	}
	if total != nil {
		total.Increment()
	}
}

// Wait ends the worker lines and waits for the last frame.
func (o *barObserver) Wait() {
	o.mu.Lock()
	if o.total != nil && !o.total.Completed() {
		o.total.Abort(false)
	}
	for _, wl := range o.workers {
		wl.bar.Abort(true)
	}
	o.mu.Unlock()
	o.p.Wait()
}
