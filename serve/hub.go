package serve

import "sync"

// hub fans widget updates out to subscribers. A subscriber is never sent a
// backlog: it is told which widgets changed and reads their latest state when
// it is ready, so one slow client cannot hold the others back, and a client
// that falls behind skips straight to the newest version.
type hub struct {
	mu   sync.Mutex
	subs map[*subscription]struct{}
}

// subscription is one listener of a hub.
type subscription struct {
	only    string // a widget name, or "" for every widget
	mu      sync.Mutex
	pending []string
	ready   chan struct{} // has a value while pending is not empty
}

// Subscribe starts listening to one widget's updates, or every widget's when
// name is "".
func (h *hub) Subscribe(name string) *subscription {
	s := &subscription{only: name, ready: make(chan struct{}, 1)}
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[*subscription]struct{}{}
	}
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

// Unsubscribe stops s.
func (h *hub) Unsubscribe(s *subscription) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

// Len is the number of subscriptions.
func (h *hub) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Publish tells every interested subscriber that the widget changed.
func (h *hub) Publish(name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		if s.only == "" || s.only == name {
			s.mark(name)
		}
	}
}

func (s *subscription) mark(name string) {
	s.mu.Lock()
	for _, p := range s.pending {
		if p == name {
			s.mu.Unlock()
			return
		}
	}
	s.pending = append(s.pending, name)
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

// Ready has a value when some widget changed since the last Take.
func (s *subscription) Ready() <-chan struct{} { return s.ready }

// Take returns the names of the widgets that changed since the last Take.
func (s *subscription) Take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pending
	s.pending = nil
	return p
}
