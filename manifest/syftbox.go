package manifest

import (
	"fmt"
	"path"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/expr-lang/expr"

	"github.com/syft-widget/syft-widget/manifest/syftbox"
)

// The helpers expressions get for SyftBox trees. Paths are relative to the
// manifest's root, which for these helpers is the datasites folder
// (root: syftbox:datasites), so a path starts with its datasite's email.
var syftboxHelpers = []expr.Option{
	expr.Function("datasite", func(args ...any) (any, error) {
		s, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("datasite needs a path, got %T", args[0])
		}
		return syftbox.Datasite(s), nil
	}, new(func(string) string)),
	expr.Function("rpcBody", func(args ...any) (any, error) {
		switch x := args[0].(type) {
		case nil:
			return nil, nil
		case string:
			return syftbox.DecodeBody(x), nil
		case map[string]any:
			b, _ := x["body"].(string)
			return syftbox.DecodeBody(b), nil
		case *Record:
			return rpcBodyOf(x), nil
		}
		return nil, fmt.Errorf("rpcBody needs a body string, an RPC message or its record, got %T", args[0])
	}),
	expr.Function("permissions", func(args ...any) (any, error) {
		if len(args) != 2 {
			return nil, fmt.Errorf("permissions needs the permission files and a path")
		}
		acls, p, err := aclArgs("permissions", args[0], args[1])
		if err != nil {
			return nil, err
		}
		d := acls.Resolve(p, "")
		return map[string]any{
			"path": p, "owner": d.Owner, "file": d.File, "rule": d.Rule, "terminal": d.Terminal, "reserved": d.Reserved,
			"admin": anyList(d.Admin), "write": anyList(d.Write), "read": anyList(d.Read),
			"public": slicesHas(d.Read, "*") || slicesHas(d.Write, "*") || slicesHas(d.Admin, "*"),
		}, nil
	}),
	expr.Function("access", func(args ...any) (any, error) {
		if len(args) != 3 {
			return nil, fmt.Errorf("access needs the permission files, a path and a user's email")
		}
		acls, p, err := aclArgs("access", args[0], args[1])
		if err != nil {
			return nil, err
		}
		user, _ := args[2].(string)
		return acls.Access(p, user), nil
	}),
	expr.Function("canRead", func(args ...any) (any, error) { return can("canRead", syftbox.Read, args) }),
	expr.Function("canWrite", func(args ...any) (any, error) { return can("canWrite", syftbox.Write, args) }),
	expr.Function("rpcPairs", func(args ...any) (any, error) {
		if len(args) != 1 {
			return nil, fmt.Errorf("rpcPairs needs one list of .request and .response records")
		}
		recs, err := recordList("rpcPairs", args[0])
		if err != nil {
			return nil, err
		}
		return rpcPairs(recs), nil
	}),
}

// syftboxNames are the helpers above, reserved as source names.
var syftboxNames = []string{"datasite", "rpcBody", "permissions", "access", "canRead", "canWrite", "rpcPairs"}

func slicesHas(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func anyList(s []string) []any {
	out := make([]any, len(s))
	for i, e := range s {
		out[i] = e
	}
	return out
}

var levels = map[string]int{syftbox.None: 0, syftbox.Read: 1, syftbox.Write: 2, syftbox.Admin: 3}

func can(name, want string, args []any) (any, error) {
	if len(args) != 3 {
		return nil, fmt.Errorf("%s needs the permission files, a path and a user's email", name)
	}
	acls, p, err := aclArgs(name, args[0], args[1])
	if err != nil {
		return nil, err
	}
	user, _ := args[2].(string)
	return levels[acls.Access(p, user)] >= levels[want], nil
}

// recordList reads a list of records: a glob source, or what filter,
// sortBy, concat... made of one.
func recordList(name string, v any) ([]*Record, error) {
	switch x := v.(type) {
	case []*Record:
		return x, nil
	case []any:
		out := make([]*Record, 0, len(x))
		for _, e := range x {
			r, ok := e.(*Record)
			if !ok {
				return nil, fmt.Errorf("%s needs a list of records (a source), got an item of type %T", name, e)
			}
			out = append(out, r)
		}
		return out, nil
	case nil:
		return nil, nil
	}
	return nil, fmt.Errorf("%s needs a list of records (a source), got %T", name, v)
}

// aclArgs reads the permission files (records of syft.pub.yaml files) and
// a path (a string or a record).
func aclArgs(name string, list, p any) (*syftbox.Tree, string, error) {
	tree, err := trees.get(name, list)
	if err != nil {
		return nil, "", err
	}
	switch x := p.(type) {
	case string:
		return tree, x, nil
	case *Record:
		return tree, x.Path, nil
	}
	return nil, "", fmt.Errorf("%s needs a path (a string or a record), got %T", name, p)
}

// treeCache keeps the last few prepared permission trees, by the list they
// were read from: a widget asks about many paths against one list (a
// source's records are never modified once published, so the same slice
// means the same files).
type treeCache struct {
	mu      sync.Mutex
	entries [4]treeEntry
	next    int
}

type treeEntry struct {
	data uintptr // address of the list's first element
	n    int
	list any // holds the list, so no other list takes its address
	tree *syftbox.Tree
}

var trees treeCache

func (c *treeCache) get(name string, list any) (*syftbox.Tree, error) {
	var data uintptr
	var n int
	switch list.(type) {
	case []*Record, []any:
		v := reflect.ValueOf(list)
		data, n = v.Pointer(), v.Len()
	}
	if data != 0 {
		c.mu.Lock()
		for _, e := range c.entries {
			if e.data == data && e.n == n {
				c.mu.Unlock()
				return e.tree, nil
			}
		}
		c.mu.Unlock()
	}
	recs, err := recordList(name, list)
	if err != nil {
		return nil, err
	}
	var acls []syftbox.ACL
	for _, r := range recs {
		if r == nil || r.Name != "syft.pub.yaml" {
			continue
		}
		if acl, ok := syftbox.ParseACL(r.Dir, Open(r.Data)); ok {
			acls = append(acls, acl)
		}
	}
	tree := syftbox.NewTree(acls)
	if data != 0 {
		c.mu.Lock()
		c.entries[c.next] = treeEntry{data, n, list, tree}
		c.next = (c.next + 1) % len(c.entries)
		c.mu.Unlock()
	}
	return tree, nil
}

func rpcBodyOf(r *Record) any {
	m, _ := Open(r.Data).(map[string]any)
	if m == nil {
		return nil
	}
	b, _ := m["body"].(string)
	return syftbox.DecodeBody(b)
}

// rpcPairs pairs .request records with the .response records of the same
// folder and uuid stem, oldest request first.
func rpcPairs(recs []*Record) []any {
	type pair struct{ req, resp *Record }
	pairs := map[string]*pair{}
	var keys []string
	for _, r := range recs {
		if r == nil || (r.Ext != ".request" && r.Ext != ".response") {
			continue
		}
		k := r.Dir + "/" + r.Stem
		p := pairs[k]
		if p == nil {
			p = &pair{}
			pairs[k] = p
			keys = append(keys, k)
		}
		if r.Ext == ".request" {
			p.req = r
		} else {
			p.resp = r
		}
	}
	out := make([]any, 0, len(keys))
	for _, k := range keys {
		p := pairs[k]
		row := map[string]any{"id": path.Base(k), "dir": path.Dir(k), "pending": p.resp == nil, "answered": p.resp != nil,
			"status": nil, "latency": nil, "created": nil, "expires": nil, "answered_at": nil,
			"sender": nil, "url": nil, "method": nil, "endpoint": nil, "request": nil, "response": nil, "body": nil, "reply": nil, "orphan": p.req == nil}
		var reqAt, respAt time.Time
		if r := p.req; r != nil {
			m, _ := Open(r.Data).(map[string]any)
			row["request"] = r
			row["body"] = rpcBodyOf(r)
			for _, key := range []string{"sender", "url", "method"} {
				if m != nil && m[key] != nil {
					row[key] = m[key]
				}
			}
			if m != nil {
				if id, ok := m["id"].(string); ok && id != "" {
					row["id"] = id
				}
				if u, ok := m["url"].(string); ok {
					if rest, ok := strings.CutPrefix(u, "syft://"); ok {
						if i := strings.IndexByte(rest, '/'); i >= 0 {
							row["endpoint"] = rest[i:]
						}
					}
				}
				if t, ok := AsTime(m["expires"]); ok {
					row["expires"] = t
				}
				reqAt, _ = AsTime(m["created"])
			}
			if reqAt.IsZero() {
				reqAt = r.Mtime
			}
			row["created"] = reqAt
		}
		if r := p.resp; r != nil {
			m, _ := Open(r.Data).(map[string]any)
			row["response"] = r
			row["reply"] = rpcBodyOf(r)
			if m != nil {
				if sc, ok := m["status_code"]; ok {
					row["status"] = sc
				}
				respAt, _ = AsTime(m["created"])
			}
			if respAt.IsZero() {
				respAt = r.Mtime
			}
			row["answered_at"] = respAt
			if !reqAt.IsZero() {
				row["latency"] = respAt.Sub(reqAt).Seconds()
			}
		}
		out = append(out, row)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, _ := out[i].(map[string]any)["created"].(time.Time)
		b, _ := out[j].(map[string]any)["created"].(time.Time)
		return a.Before(b)
	})
	return out
}

// addSyncState adds the SyftBox fields of a record to its plain form, for
// records in a SyftBox tree (elsewhere they are always empty).
func addSyncState(m map[string]any, r *Record) {
	if r.Datasite != "" || r.Conflict || r.Rejected {
		m["datasite"], m["conflict"], m["rejected"] = r.Datasite, r.Conflict, r.Rejected
	}
}
