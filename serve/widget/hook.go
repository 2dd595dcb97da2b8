package widget

import "sync/atomic"

var beforeEvaluate atomic.Pointer[func(name string)]

// HoldEvaluations installs f, called with the widget's name at the start of
// every evaluation of every widget, until the returned function removes it.
// It is for tests that must hold one widget in the middle of an evaluation
// (a hook, not a sleep) and show that nothing else waits for it.
func HoldEvaluations(f func(name string)) (remove func()) {
	beforeEvaluate.Store(&f)
	return func() { beforeEvaluate.Store(nil) }
}
