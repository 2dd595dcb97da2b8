// Package widget is the evaluation stage: it turns one manifest's sources
// into expression values and rendered HTML, and keeps them current as files
// change and time passes. Each result is an immutable State with its JSON
// ready for the endpoints, the page and the event streams.
//
// It owns loading a manifest into a Widget, the evaluation loop, Check and
// the checkpoint fragment. It calls manifest, sources and render, and must
// not serve HTTP, know about tokens, hosts or background processes: those
// belong to package serve and serve/background, which build on it.
package widget

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/syft-widget/syft-widget/manifest"
	"github.com/syft-widget/syft-widget/render"
	"github.com/syft-widget/syft-widget/sources"
)

// Widget is one loaded manifest: its sources, the current values of its
// fields and their rendering. A Widget is evaluated once when loaded; Start
// keeps it current as files change and time passes.
type Widget struct {
	M *manifest.Manifest

	tmpl *render.Template

	cache    *sources.Cache // w's own, or borrowed from started widgets; shared once started
	borrowed bool
	key      string       // what the cache holds: widgets with the same key share one
	inc      *Incremental // used by evaluations only, under evalMu
	log      *slog.Logger

	evalMu   sync.Mutex // one evaluation at a time
	mu       sync.Mutex
	state    *State   // immutable once published
	problems []string // errors of a failed reload, shown above the body
	warnings []string // the sources' warnings last shown (see notice)

	// life orders Start and Close, which a server may call at once (a
	// reload while it shuts down): Close waits for Start to finish.
	life    sync.Mutex
	closed  bool
	dirty   chan []string // sources changed; drained by the update loop
	cancel  context.CancelFunc
	done    chan struct{}
	shared  *sharedCache  // the cache and watch w shares, once started
	shape   *render.Shape // of the body of version shapeOf, to patch from
	shapeOf uint64
	onState func(*State)
}

// State is one published version of a widget: what every endpoint and the
// page show. It is never modified once published.
type State struct {
	Name    string
	Version uint64
	Fields  map[string]any    // every field; a failing field is nil
	Errors  map[string]string // field -> message of its last evaluation
	Good    map[string]any    // every field's last good value, for the page
	HTML    string            // the rendered body
	At      time.Time

	endpoints map[string]map[string]any // path -> fields of that endpoint
	data      *lazyJSON                 // JSON of /data
	payload   *lazyJSON                 // JSON pushed to pages (name, version, html, _errors)
	base      uint64                    // the version patch applies to; 0 for none
	patch     []byte                    // JSON pushed to pages showing base: what changed
}

// PatchFrom returns the update for a page that shows version base: only
// what changed since (see render.PatchOp), when s knows it; else false, and
// the page needs Payload.
func (s *State) PatchFrom(base uint64) ([]byte, bool) {
	if base == 0 || base != s.base {
		return nil, false
	}
	return s.patch, true
}

// setPatch records the operations that turn version base into s.
func (s *State) setPatch(base uint64, ops []render.PatchOp) {
	errs := s.Errors
	if len(errs) == 0 {
		errs = nil
	}
	s.base = base
	s.patch = mustJSON(struct {
		Name    string            `json:"name"`
		Version uint64            `json:"version"`
		Base    uint64            `json:"base"`
		Patch   []render.PatchOp  `json:"patch"`
		Errors  map[string]string `json:"_errors,omitempty"`
	}{s.Name, s.Version, base, ops, errs})
}

// lazyJSON is JSON encoded when first asked for: the data of 100,000
// records takes long to encode, and most versions are only pushed to pages
// (as HTML), never fetched whole; the whole HTML of a version is pushed
// only to pages that do not show the version before.
type lazyJSON struct {
	once sync.Once
	v    any
	b    []byte
}

func (l *lazyJSON) bytes() []byte {
	l.once.Do(func() { l.b, l.v = mustJSON(l.v), nil })
	return l.b
}

// Data returns the JSON of /w/{name}/data.
func (s *State) Data() []byte { return s.data.bytes() }

// Payload returns the JSON update pushed to live pages.
func (s *State) Payload() []byte { return s.payload.bytes() }

// Endpoint returns the JSON of one endpoint, or false if there is none at path.
func (s *State) Endpoint(path string) ([]byte, bool) {
	fields, ok := s.endpoints[path]
	if !ok {
		return nil, false
	}
	out := make(map[string]any, len(fields)+1)
	var errs map[string]string
	for k, v := range fields {
		out[k] = v
		if msg, bad := s.Errors[k]; bad {
			if errs == nil {
				errs = map[string]string{}
			}
			errs[k] = msg
		}
	}
	if errs != nil {
		out["_errors"] = errs
	}
	b, err := json.Marshal(out)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"_error": err.Error()})
	}
	return b, true
}

// EvalJSON is what `eval` prints: the indented JSON of the endpoint at
// path or, when path is "", of every endpoint keyed by its path. ok is false
// when there is no endpoint at path.
func (s *State) EvalJSON(path string) (out []byte, ok bool) {
	var raw []byte
	if path != "" {
		if raw, ok = s.Endpoint(path); !ok {
			return nil, false
		}
	} else {
		all := make(map[string]json.RawMessage, len(s.endpoints))
		for p := range s.endpoints {
			all[p], _ = s.Endpoint(p)
		}
		raw = mustJSON(all)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, raw, "", "  "); err != nil {
		return mustJSON(map[string]string{"_error": err.Error()}), true
	}
	pretty.WriteByte('\n')
	return pretty.Bytes(), true
}

// Load loads the manifest at path, reads its sources and evaluates
// every endpoint once. The error of a broken manifest lists every problem.
func Load(path string, log *slog.Logger) (*Widget, error) {
	m, err := manifest.Load(path)
	if err != nil {
		return nil, err
	}
	return New(m, path, log)
}

// New compiles m's template, reads its sources and evaluates it; errors
// name the manifest as file.
func New(m *manifest.Manifest, file string, log *slog.Logger) (*Widget, error) {
	return NewConfined(m, file, log, "", "")
}

// NewConfined is New for a widget whose root lies at rel in the folder
// jail: the root is opened through jail at every pass, so it never leads
// out of jail (sources.Cache.ConfineTo).
func NewConfined(m *manifest.Manifest, file string, log *slog.Logger, jail, rel string) (*Widget, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t, _, err := compileTemplate(m, file)
	if err != nil {
		return nil, err
	}
	w := &Widget{M: m, tmpl: t, inc: NewIncremental(m), key: sourcesKey(m, jail, rel), log: log.With("widget", m.Name)}
	if c := sharedCacheOf(w.key); c != nil {
		w.cache, w.borrowed = c, true
	} else {
		w.cache = sources.NewCache(m.Root, m.Sources)
		if jail != "" {
			w.cache.ConfineTo(jail, rel)
		}
		w.cache.Scan()
	}
	for _, msg := range w.cache.FileWarnings() {
		w.log.Warn(msg) // once per widget, at load; the other warnings as they come (notice)
	}
	w.state = w.evaluate(nil, m.Endpoints, 1)
	w.shape, w.shapeOf = w.tmpl.Shape(w.state.HTML), 1
	return w, nil
}

// State returns the current published state.
func (w *Widget) State() *State {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.state
}

// ContinueFrom makes w's versions follow prev's, so that pages showing prev
// take w's state as newer (a reloaded manifest). It may run while w is
// started: it takes turns with w's evaluations, so versions only go up.
func (w *Widget) ContinueFrom(prev *State) {
	w.evalMu.Lock()
	defer w.evalMu.Unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	if prev != nil && w.state.Version <= prev.Version {
		s := *w.state
		s.Version = prev.Version + 1
		s.finish()
		w.state = &s
	}
}

// evaluate computes a new state from prev, re-evaluating only eps (every
// endpoint when prev is nil).
func (w *Widget) evaluate(prev *State, eps []*manifest.Endpoint, version uint64) *State {
	if f := beforeEvaluate.Load(); f != nil {
		(*f)(w.M.Name)
	}
	env := sourceEnv(w.M, w.cache.Snapshot())
	s := &State{Name: w.M.Name, Version: version, Fields: map[string]any{}, Errors: map[string]string{}, Good: map[string]any{}, endpoints: map[string]map[string]any{}, At: time.Now()}
	if prev != nil {
		maps.Copy(s.Good, prev.Good)
		for p, f := range prev.endpoints {
			s.endpoints[p] = f
		}
		maps.Copy(s.Errors, prev.Errors)
	}
	for _, ep := range eps {
		fields, errs := w.inc.Eval(ep, env)
		s.endpoints[ep.Path] = fields
		for _, f := range ep.Fields {
			if msg, bad := errs[f.Name]; bad {
				s.Errors[f.Name] = msg
				w.log.Debug("field failed", "field", f.Name, "error", msg)
			} else {
				delete(s.Errors, f.Name)
				s.Good[f.Name] = fields[f.Name]
			}
		}
	}
	for _, f := range s.endpoints {
		maps.Copy(s.Fields, f)
	}
	values := maps.Clone(s.Good)
	values["title"] = w.M.Title
	body, err := w.tmpl.Body(values, s.Errors)
	if err != nil {
		body = "<p>" + html.EscapeString(err.Error()) + "</p>"
	}
	s.HTML = w.banner() + w.notice() + body
	s.finish()
	return s
}

// finish fills the derived JSON of s.
func (s *State) finish() {
	errs := s.Errors
	if len(errs) == 0 {
		errs = nil
	}
	s.data = &lazyJSON{v: struct {
		Version uint64            `json:"version"`
		Fields  map[string]any    `json:"fields"`
		Errors  map[string]string `json:"_errors,omitempty"`
	}{s.Version, s.Fields, errs}}
	s.payload = &lazyJSON{v: struct {
		Name    string            `json:"name"`
		Version uint64            `json:"version"`
		HTML    string            `json:"html"`
		Errors  map[string]string `json:"_errors,omitempty"`
	}{s.Name, s.Version, s.HTML, errs}}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"_error": err.Error()})
	}
	return b
}

// sameValues reports whether a and b would show the same thing.
func sameValues(a, b *State) bool {
	if a.HTML != b.HTML || !maps.Equal(a.Errors, b.Errors) || len(a.Fields) != len(b.Fields) {
		return false
	}
	for k, v := range a.Fields {
		w, ok := b.Fields[k]
		if !ok || !sameValue(v, w) {
			return false
		}
	}
	return true
}

// sameValue compares two plain values. Incremental evaluation keeps what
// did not change: a list as the same slice or chunks, its rows as the same
// maps; those are not walked.
func sameValue(a, b any) bool {
	if x, ok := a.(*mappedList); ok {
		y, ok := b.(*mappedList)
		return ok && x.same(y)
	}
	if x, ok := a.(*manifest.Chunks[any]); ok {
		y, ok := b.(*manifest.Chunks[any])
		if !ok {
			return false
		}
		changed, ok := y.Changed(x, sameElement)
		return ok && len(changed) == 0
	}
	x, ok := a.([]any)
	y, ok2 := b.([]any)
	if !ok || !ok2 {
		return reflect.DeepEqual(a, b)
	}
	if len(x) != len(y) {
		return false
	}
	if len(x) == 0 || &x[0] == &y[0] {
		return true
	}
	for i := range x {
		if !sameElement(x[i], y[i]) {
			return false
		}
	}
	return true
}

// sameElement compares two elements of lists, a row kept as the same map
// without walking it.
func sameElement(a, b any) bool {
	if ma, ok := a.(map[string]any); ok {
		if mb, ok := b.(map[string]any); ok && reflect.ValueOf(ma).UnsafePointer() == reflect.ValueOf(mb).UnsafePointer() {
			return true
		}
	}
	return reflect.DeepEqual(a, b)
}

// Start watches the widget's sources and re-evaluates the endpoints they
// feed, and every update_interval those that call now(). onState is called
// with each new state, from the widget's own goroutine.
func (w *Widget) Start(onState func(*State)) error {
	w.life.Lock()
	defer w.life.Unlock()
	if w.closed {
		return errors.New("the widget was closed before it started")
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.done, w.onState = make(chan struct{}), onState
	w.dirty = make(chan []string, 64)
	if err := w.share(ctx); err != nil {
		cancel()
		return err
	}
	w.cancel = cancel
	go w.loop(ctx)
	return nil
}

// loop is the widget's single evaluator: changes that arrive while it
// evaluates are merged into the next evaluation, so work never piles up.
func (w *Widget) loop(ctx context.Context) {
	defer close(w.done)
	var tick <-chan time.Time
	var nowEps []*manifest.Endpoint
	for _, ep := range w.M.Endpoints {
		if ep.UsesNow {
			nowEps = append(nowEps, ep)
		}
	}
	// "5 s ago" written by the template goes stale by itself: re-render
	// (not re-evaluate) at least every second; update publishes only when
	// the text changed.
	rerender := len(nowEps) == 0 && w.tmpl.ReadsClock()
	if len(nowEps) > 0 || rerender {
		every := w.M.UpdateInterval
		if rerender {
			every = max(every, time.Second)
		}
		t := time.NewTicker(every)
		defer t.Stop()
		tick = t.C
	}
	for {
		var eps []*manifest.Endpoint
		select {
		case <-ctx.Done():
			return
		case <-tick:
			if rerender {
				w.update(nil)
				continue
			}
			eps = nowEps
		case changed := <-w.dirty:
			set := map[string]bool{}
			for _, s := range changed {
				set[s] = true
			}
		drain:
			for {
				select {
				case more := <-w.dirty:
					for _, s := range more {
						set[s] = true
					}
				default:
					break drain
				}
			}
			eps = w.affected(set)
		}
		if len(eps) > 0 {
			w.update(eps)
		}
	}
}

// affected lists the endpoints that read any of the changed sources.
func (w *Widget) affected(changed map[string]bool) []*manifest.Endpoint {
	var out []*manifest.Endpoint
	for _, ep := range w.M.Endpoints {
		if slices.ContainsFunc(ep.Sources, func(s string) bool { return changed[s] }) {
			out = append(out, ep)
		}
	}
	return out
}

// SetProblems shows errors above the widget's body (a reload that failed and
// left this, the last good version, in place); nil clears them.
func (w *Widget) SetProblems(errs []error) {
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	w.mu.Lock()
	w.problems = msgs
	w.mu.Unlock()
	w.update(nil)
}

func (w *Widget) banner() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.problems) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(`<div class="sw-problems" role="alert"><p>The manifest has errors; this is its last good version.</p><ul>`)
	for _, p := range w.problems {
		b.WriteString("<li>" + html.EscapeString(p) + "</li>")
	}
	b.WriteString("</ul></div>")
	return b.String()
}

// update re-evaluates eps and publishes a new version if anything changed.
func (w *Widget) update(eps []*manifest.Endpoint) {
	w.evalMu.Lock()
	defer w.evalMu.Unlock()
	prev := w.State()
	next := w.evaluate(prev, eps, prev.Version+1)
	if sameValues(prev, next) {
		return
	}
	// Pages that show prev get only what changed.
	shape := w.tmpl.Shape(next.HTML)
	if ops, ok := w.shape.Patch(shape); ok && w.shapeOf == prev.Version {
		next.setPatch(prev.Version, ops)
	}
	w.shape, w.shapeOf = shape, next.Version
	w.mu.Lock()
	w.state = next
	w.mu.Unlock()
	if w.onState != nil {
		w.onState(next)
	}
}

// Close stops watching and waits for the widget's goroutines.
func (w *Widget) Close() error {
	w.life.Lock()
	defer w.life.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	if w.cancel == nil {
		return nil // never started, or its start failed
	}
	w.cancel()
	err := w.shared.leave(w)
	<-w.done
	return err
}

// Checkpoint writes the embeddable fragment of the current state. liveURL
// is the live page's address, or "" for a fragment that stays a checkpoint.
func (w *Widget) Checkpoint(out io.Writer, liveURL string) error {
	s := w.State()
	return render.Checkpoint(out, render.CheckpointInput{Page: w.Page(), Body: s.HTML, At: s.At, LiveURL: liveURL})
}

// Page describes the widget's document for the renderer.
func (w *Widget) Page() render.Page {
	return render.Page{Name: w.M.Name, Server: w.M.Server, Title: w.M.Title, Style: w.M.Style, Width: w.M.Width, Height: w.M.Height, UpdateInterval: w.M.UpdateInterval}
}
