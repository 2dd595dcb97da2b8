package render

import (
	"fmt"
	"strings"
	"testing"
)

func TestLongListShowsFirstItemsAndHowManyMore(t *testing.T) {
	rows := make([]any, 250)
	for i := range rows {
		rows[i] = map[string]any{"name": fmt.Sprintf("job-%d", i)}
	}
	for _, c := range []struct{ src, more string }{
		{`<ul data-field="rows"><template data-each><li>{name}</li></template></ul>`, `<li class="sw-more">… and 50 more</li></ul>`},
		{`<table><tbody data-field="rows"><template data-each><tr><td>{name}</td></tr></template></tbody></table>`, `<tr class="sw-more"><td colspan="100">… and 50 more</td></tr></tbody>`},
		{`<p data-field="rows"><template data-each><b>{name}</b> </template></p>`, `<span class="sw-more">… and 50 more</span></p>`},
	} {
		out := render(t, c.src, map[string]any{"rows": rows})
		wantContains(t, out, "job-199<", c.more)
		wantLacks(t, out, "job-200<")
	}
}

func TestListLimitIsTheManifestsChoice(t *testing.T) {
	tm, _, err := Compile(`<ol data-field="xs"><template data-each><li>{.}</li></template></ol>`, []string{"xs"})
	if err != nil {
		t.Fatal(err)
	}
	tm.ListLimit = 2
	out, err := tm.Body(map[string]any{"xs": []any{"a", "b", "c"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Marked for the live page's pager, which asks the server for the rest.
	if want := `<ol data-field="xs" data-sw-rows="xs" data-sw-kind="each" data-sw-total="3" data-sw-page="2"><li>a</li><li>b</li><li class="sw-more">… and 1 more</li></ol>`; out != want {
		t.Errorf("got %s, want %s", out, want)
	}
	out, _ = tm.Body(map[string]any{"xs": []any{"a", "b"}}, nil)
	if strings.Contains(out, "more") {
		t.Errorf("a list within the limit says there is more: %s", out)
	}
}
