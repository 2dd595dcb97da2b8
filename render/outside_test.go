package render

import (
	"strings"
	"testing"
)

func TestCleanStyleKeepsDataImagesAndDropsEveryOutsideLoad(t *testing.T) {
	png := "data:image/png;base64,iVBORw0KGgo="
	css := `@import "https://x.example/a.css";
@font-face { font-family: f; src: url(https://x.example/f.woff), local(Arial); }
.a { background: url('` + png + `') no-repeat; color: red }
.b { background-image: url(//x.example/b.png) }
.c { background-image: -webkit-image-set("https://x.example/c.png" 1x) }
.d { content: "\2014" }`
	got, removed := CleanStyle(css)
	for _, bad := range []string{"x.example", "@import", "image-set("} {
		if strings.Contains(got, bad) {
			t.Errorf("%q left in:\n%s", bad, got)
		}
	}
	for _, keep := range []string{"url('" + png + "')", "local(Arial)", "color: red", `content: "\2014"`} {
		if !strings.Contains(got, keep) {
			t.Errorf("%q removed:\n%s", keep, got)
		}
	}
	if len(removed) != 4 {
		t.Errorf("removed: %q", removed)
	}
}

func TestCleanStyleDropsCSSWhoseEscapesSpellALoad(t *testing.T) {
	for _, css := range []string{`.a{background:\75rl(https://x.example/a.png)}`, `@\69mport "https://x.example/a.css";`, `.a{background:u\rl(//x.example/a)}`} {
		if got, removed := CleanStyle(css); got != "" || len(removed) != 1 {
			t.Errorf("%s: kept %q (%q)", css, got, removed)
		}
	}
}

func TestStyleAttributesThatLoadAreRemovedAndSaidSo(t *testing.T) {
	for src, want := range map[string]string{
		`<p style="background:url(https://x.example/a.png)">a</p>`:        "removed style of <p>: it loads url(https://x.example/a.png)",
		`<p style="background:url({u})">a</p>`:                            "removed style of <p>: a placeholder may not be the URL in url()",
		`<p style="background:image-set('https://x.example/a' 1x)">a</p>`: "removed style of <p>: it loads images from outside",
		`<p style="background:\75rl(https://x.example/a.png)">a</p>`:      "removed style of <p>: its CSS escapes spell a url() or image function",
	} {
		_, removed, err := Compile(src, []string{"u"})
		if err != nil {
			t.Fatal(err)
		}
		if len(removed) != 1 || !strings.HasPrefix(removed[0], want) {
			t.Errorf("%s: removed %q, want %q", src, removed, want)
		}
	}
	_, removed, _ := Compile(`<p style="color:{u};background:url(data:image/png;base64,iVBORw0KGgo=)">a</p>`, []string{"u"})
	if len(removed) != 0 {
		t.Errorf("a style that loads nothing lost: %q", removed)
	}
}

func TestALinkCarriesNoOpenerNorReferrer(t *testing.T) {
	got := render(t, `<a href="https://x.example/{id}">go</a>`, map[string]any{"id": "1"})
	wantContains(t, got, `<a href="https://x.example/1" rel="noopener noreferrer">go</a>`)
}
