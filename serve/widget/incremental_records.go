package widget

import "github.com/syft-widget/syft-widget/manifest"

// records is a source's records as a part holds them. The code of lists
// and limits reads them only through the functions below, so that the
// representation of a source's snapshot is this file's business.
type records = []*manifest.Record

func recordsLen(rs records) int { return len(rs) }

func recordAt(rs records, i int) *manifest.Record { return rs[i] }

// changedRecords lists the places whose records differ between a and b,
// when both have the same length; ok is false when they do not.
func changedRecords(a, b records) (idx []int, ok bool) {
	if len(a) != len(b) {
		return nil, false
	}
	if len(a) == 0 || &a[0] == &b[0] {
		return nil, true
	}
	for i, r := range a {
		if r != b[i] {
			idx = append(idx, i)
		}
	}
	return idx, true
}
