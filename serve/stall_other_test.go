//go:build !unix

package serve

// stallBrowser would freeze the browser's process in bursts; without Unix
// signals the test runs unstalled.
func (p *tab) stallBrowser() (thaw func()) { return func() {} }
