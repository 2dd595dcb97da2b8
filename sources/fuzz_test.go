package sources

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/syft-widget/syft-widget/manifest"
)

// FuzzParse feeds every format arbitrary bytes: no panic, and JSON agrees
// with encoding/json on what is valid and on the values.
func FuzzParse(f *testing.F) {
	f.Add("json", []byte(`{"a":[1,2.5,"x",null,true]}`))
	f.Add("yaml", []byte("a: &x [1, 2]\nb: *x\n"))
	f.Add("csv", []byte("a,b\n1,x\n"))
	f.Fuzz(func(t *testing.T, format string, b []byte) {
		v, err := Parse(format, b)
		if format != "json" {
			return
		}
		var ref any
		refErr := json.Unmarshal(bytes.TrimPrefix(b, bom), &ref)
		var rangeErr *json.UnmarshalTypeError
		if errors.As(refErr, &rangeErr) {
			return // a number beyond float64: Parse makes it null, encoding/json fails
		}
		if (err == nil) != (refErr == nil) {
			t.Fatalf("Parse error %v, encoding/json error %v, for %q", err, refErr, b)
		}
		if err == nil && !reflect.DeepEqual(asFloats(manifest.Open(v)), ref) && !hasBigNumbers(ref) {
			t.Fatalf("Parse = %#v, encoding/json = %#v, for %q", v, ref, b)
		}
		if err == nil {
			// Objects write as the maps they stand for.
			got, err := json.Marshal(v)
			want, err2 := json.Marshal(manifest.Open(v))
			if err != nil || err2 != nil || !bytes.Equal(got, want) {
				t.Fatalf("Parse's value writes %s (%v), its maps %s (%v), for %q", got, err, want, err2, b)
			}
		}
	})
}

// hasBigNumbers reports numbers that encoding/json keeps as float64 but
// Parse turns into nil (beyond float64's range) or loses as ints; such
// values cannot be compared one to one.
func hasBigNumbers(v any) bool {
	switch x := v.(type) {
	case float64:
		return x >= 1<<53 || x <= -(1<<53)
	case []any:
		for _, e := range x {
			if hasBigNumbers(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if hasBigNumbers(e) {
				return true
			}
		}
	}
	return false
}
