//go:build unix

package serve

import (
	"sync"
	"syscall"
	"time"

	"github.com/chromedp/chromedp"
)

// stallBrowser freezes the shared Chromium's browser process (not its
// renderers) in bursts of a few hundred milliseconds until the returned
// function is called (or the test ends), as a loaded machine does: what
// goes between pages through it (BroadcastChannel messages, IndexedDB)
// arrives late while the pages' own timers keep running.
func (p *tab) stallBrowser() (thaw func()) {
	proc := chromedp.FromContext(p.ctx).Browser.Process()
	if proc == nil {
		p.t.Fatal("the browser's process is unknown: it cannot be stalled")
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			// The stalls being simulated, not waits for a condition.
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
			}
			proc.Signal(syscall.SIGSTOP)
			select {
			case <-done:
			case <-time.After(time.Duration(200+100*(i%3)) * time.Millisecond):
			}
			proc.Signal(syscall.SIGCONT)
		}
	}()
	var once sync.Once
	thaw = func() {
		once.Do(func() {
			close(done)
			wg.Wait()
		})
	}
	p.t.Cleanup(thaw)
	return thaw
}
