package render

import (
	"strings"

	nethtml "golang.org/x/net/html"
)

// DefaultListLimit is how many items a data-each list shows when the
// Template's ListLimit is 0.
const DefaultListLimit = 200

func (t *Template) listLimit() int {
	if t.ListLimit > 0 {
		return t.ListLimit
	}
	return DefaultListLimit
}

// itemCount is how many items data-each would repeat over v, were there
// no limit. A list is shown up to the limit: a page of 100,000 rows helps
// nobody, and rendering and sending it would cost what the list costs, not
// what changed.
func itemCount(v any) int {
	switch x := norm(v).(type) {
	case nil:
		return 0
	case []any:
		return len(x)
	case List:
		return x.Len()
	case map[string]any:
		return len(x)
	}
	return 1
}

// leftOut says how many of total items a list of n leaves out, or "" when
// none.
func leftOut(total, n int) string {
	if total <= n {
		return ""
	}
	return moreText(total - n)
}

// moreElement is the element that says "… and N more" after the items of
// a data-each template n: one like its items (a row of a table gets a
// cell), so that it stands where an item may stand.
func moreElement(n *nethtml.Node) (open, close string) {
	tag := "span"
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		if ch.Type == nethtml.ElementNode {
			tag = ch.Data
			break
		}
	}
	switch strings.ToLower(tag) {
	case "tr":
		return `<tr class="sw-more"><td colspan="100">`, `</td></tr>`
	case "td", "th":
		return `<td class="sw-more">`, `</td>`
	case "li", "dt", "dd", "p", "div", "section", "article", "tbody":
		return "<" + tag + ` class="sw-more">`, "</" + tag + ">"
	case "option":
		return `<option class="sw-more" disabled>`, `</option>`
	}
	return `<span class="sw-more">`, `</span>`
}
