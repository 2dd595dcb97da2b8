package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// An Object is a JSON object as package sources decodes it: its keys are
// kept once per key set (a KeySet, shared by every object with the same
// keys), its values in one list. A map per object cost about 330 bytes for
// a 7-key job file; 100,000 files of one dashboard held that many maps.
//
// To expressions and to everything a user sees an Object is the
// map[string]any it stands for: member access reads it directly (see get),
// and wherever else an expression uses one it is turned into that map
// first (see Open); Plain, JSON and fmt give what they give for the map.
type Object struct {
	keys *KeySet
	vals []any
}

// A KeySet is the keys of objects, sorted. Sorted keys make two
// objects with the same members alike whatever order their files wrote
// them in, as two maps are.
type KeySet struct {
	keys []string
}

// NewKeySet returns the key set of objects with keys, given in any order and
// possibly repeated, and for each of keys the slot of its value (a
// repeated key has one slot: its last value wins, as with encoding/json).
func NewKeySet(keys []string) (*KeySet, []int) {
	sorted := slices.Clone(keys)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	slot := make([]int, len(keys))
	for i, k := range keys {
		slot[i], _ = slices.BinarySearch(sorted, k)
	}
	return &KeySet{keys: sorted}, slot
}

// Len is the number of keys.
func (s *KeySet) Len() int {
	if s == nil {
		return 0
	}
	return len(s.keys)
}

// all is the keys; a nil key set (that of the zero Object) has none.
func (s *KeySet) all() []string {
	if s == nil {
		return nil
	}
	return s.keys
}

// index returns the slot of key, or -1.
func (s *KeySet) index(key string) int {
	if s == nil {
		return -1
	}
	if len(s.keys) <= 8 {
		for i, k := range s.keys {
			if k == key {
				return i
			}
		}
		return -1
	}
	if i, ok := slices.BinarySearch(s.keys, key); ok {
		return i
	}
	return -1
}

// NewObject returns the object of key set s whose values are vals, in the
// order of s's slots; it keeps vals.
func NewObject(s *KeySet, vals []any) *Object {
	if len(vals) != len(s.keys) {
		panic(fmt.Sprintf("manifest: %d values for a key set of %d keys", len(vals), len(s.keys)))
	}
	return &Object{keys: s, vals: vals}
}

// Get returns the value of key and whether o has it.
func (o *Object) Get(key string) (any, bool) {
	if i := o.keys.index(key); i >= 0 {
		return o.vals[i], true
	}
	return nil, false
}

// Map is o as a map, with every object inside it a map too.
func (o *Object) Map() map[string]any {
	m := make(map[string]any, len(o.vals))
	for i, k := range o.keys.all() {
		m[k] = Open(o.vals[i])
	}
	return m
}

// MarshalJSON writes o as encoding/json writes its map. HTML characters are
// left for the encoder that calls it to escape or not, as it would the map's.
func (o *Object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(o.Map()); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Format prints o as fmt prints its map (string(x), a record printed whole).
func (o *Object) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, fmt.FormatString(f, verb), o.Map())
}

// NewArray returns the value of a JSON array of vals: vals itself when
// none of them is an object or holds one, else a list that Open turns into
// vals with its objects opened. Only such lists are walked when a value is
// opened: any other []any (a list a file held without objects, a list an
// expression made) is used as it is, however long.
func NewArray(vals []any) any {
	for _, v := range vals {
		switch v.(type) {
		case *Object, objectArray:
			return objectArray(vals)
		}
	}
	return vals
}

// objectArray is a JSON array holding objects (see NewArray).
type objectArray []any

// Format prints a as fmt prints its opened list.
func (a objectArray) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, fmt.FormatString(f, verb), Open(a))
}

// Open returns v with every Object in it, however deep, turned into its map;
// v itself when it holds none.
func Open(v any) any {
	switch x := v.(type) {
	case *Object:
		return x.Map()
	case objectArray:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Open(e)
		}
		return out
	}
	return v
}
