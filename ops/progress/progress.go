// Package progress shows how far a long imgpipe command has got: a bar
// (done/total, rate, ETA; github.com/schollz/progressbar) on a terminal,
// plain lines otherwise (logs, CI), each tenth of the work (only the last
// one for fewer than 10 items).
package progress

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Reporter counts finished items of a known total. It is safe for
// concurrent use.
type Reporter interface {
	Add(n int)
	Finish()
}

// New returns a Reporter for total items writing to w: a progress bar when
// w is a terminal, plain progress lines otherwise. label names the work
// ("backfill"). A total of zero shows nothing.
func New(w io.Writer, terminal bool, total int, label string) Reporter {
	if total <= 0 {
		return Nop{}
	}
	if terminal {
		return &bar{b: progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(label),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("items"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { _, _ = fmt.Fprintln(w) }), // progress only: a failed write must not stop the work
		)}
	}
	step := total
	if total >= 10 {
		step = total / 10
	}
	return &lines{w: w, label: label, total: total, step: step, start: time.Now()}
}

// Nop reports nothing.
type Nop struct{}

// Add does nothing.
func (Nop) Add(int) {}

// Finish does nothing.
func (Nop) Finish() {}

type bar struct {
	mu sync.Mutex
	b  *progressbar.ProgressBar
}

func (b *bar) Add(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	_ = b.b.Add(n)
}

func (b *bar) Finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	_ = b.b.Exit()
}

// lines prints "label: done/total (pct%), rate/s" when the count crosses
// each step and once more at Finish if the last line was not the total.
type lines struct {
	mu      sync.Mutex
	w       io.Writer
	label   string
	total   int
	step    int
	done    int
	printed int
	start   time.Time
}

func (l *lines) Add(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.done += n
	if l.done/l.step > l.printed/l.step || l.done == l.total {
		l.print()
	}
}

func (l *lines) print() {
	rate := float64(l.done) / max(time.Since(l.start).Seconds(), 1e-3)
	// Progress only: a failed write must not stop the work.
	_, _ = fmt.Fprintf(l.w, "%s: %d/%d (%d%%), %.1f items/s\n", l.label, l.done, l.total, l.done*100/l.total, rate)
	l.printed = l.done
}

func (l *lines) Finish() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.printed != l.done {
		l.print()
	}
}
