package widget

import "github.com/syft-widget/syft-widget/manifest"

// records is a source's records as a part holds them. The code of lists
// and limits reads them only through the functions below, so that the
// representation of a source's snapshot is this file's business.
type records = *manifest.Chunks[*manifest.Record]

func recordsLen(rs records) int { return rs.Len() }

func recordAt(rs records, i int) *manifest.Record { return rs.At(i) }

// changedRecords lists the places whose records differ between a and b,
// when both have the same length; ok is false when they do not. Chunks
// the two versions share are not compared.
func changedRecords(a, b records) (idx []int, ok bool) {
	return b.Changed(a, func(x, y *manifest.Record) bool { return x == y })
}
