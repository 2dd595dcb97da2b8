package serve

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// rowsServer hosts a widget whose table has 450 rows (more than the body
// holds): name job-000 .. job-449, size i*7 % 450, and one hostile name.
func rowsServer(t *testing.T) *testServer {
	t.Helper()
	ts := startTestServer(t, Config{Name: "test"})
	var rows []string
	for i := range 450 {
		name := fmt.Sprintf("job-%03d", i)
		if i == 321 {
			name = `<img src=x onerror=alert(1)>&"`
		}
		rows = append(rows, fmt.Sprintf(`{"name": %q, "size": %d}`, name, i*7%450))
	}
	ts.write(t, "rows.json", "["+strings.Join(rows, ",\n")+"]")
	m := ts.write(t, "t.yaml", `name: t
sources:
  list:
    file: rows.json
endpoints:
  /x:
    rows: "map(list.data, ({name: .name, size: .size}))"
    count: len(list.data)
template: |
  <div>{rows}</div><p>{count}</p>
`)
	if err := ts.Load(m); err != nil {
		t.Fatal(err)
	}
	return ts
}

type rowsAnswer struct {
	Version uint64 `json:"version"`
	HTML    string `json:"html"`
	Total   int    `json:"total"`
	Matched int    `json:"matched"`
	Offset  int    `json:"offset"`
	Limit   int    `json:"limit"`
}

func getRows(t *testing.T, ts *testServer, query string) rowsAnswer {
	t.Helper()
	resp, body := get(t, ts.url("w/t/rows/rows?"+query))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("rows?%s: %d %s", query, resp.StatusCode, body)
	}
	var a rowsAnswer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatal(err)
	}
	return a
}

// firstCells lists the first cell of each row of a page.
func firstCells(html string) []string {
	var out []string
	for _, tr := range strings.Split(html, "<tr>")[1:] {
		out = append(out, strings.TrimPrefix(strings.SplitN(tr, "</td>", 2)[0], "<td>"))
	}
	return out
}

func TestTheBodyMarksALongTableForPagingAndTheCheckpointDoesNot(t *testing.T) {
	ts := rowsServer(t)
	st := ts.Widget("t").State()
	if !strings.Contains(st.HTML, `<table class="sw-table" data-sw-rows="rows" data-sw-total="450" data-sw-page="200">`) {
		t.Errorf("the body does not mark the table: %.300s", st.HTML)
	}
	if !strings.Contains(st.HTML, "… and 250 more") {
		t.Errorf("the body does not count the rows it leaves out")
	}
	var cp strings.Builder
	if err := ts.Widget("t").Checkpoint(&cp, ""); err != nil {
		t.Fatal(err)
	}
	static := strings.SplitN(cp.String(), "<script", 2)[0]
	if strings.Contains(static, "data-sw-") || !strings.Contains(static, "… and 250 more") {
		t.Errorf("the checkpoint's static layer changed: %.400s", static)
	}
}

func TestRowsPagesTheWholeList(t *testing.T) {
	ts := rowsServer(t)
	a := getRows(t, ts, "offset=400&limit=200")
	if a.Total != 450 || a.Matched != 450 || a.Offset != 400 || a.Limit != 200 {
		t.Errorf("counts: %+v", a)
	}
	got := firstCells(a.HTML)
	if len(got) != 50 || got[0] != "job-400" || got[49] != "job-449" {
		t.Errorf("rows 401-450: %d rows, %q .. %q", len(got), got[0], got[len(got)-1])
	}
	// Columns as the body's table has them: name, then size.
	if !strings.HasPrefix(a.HTML, "<tr><td>job-400</td><td>100</td></tr>") {
		t.Errorf("row 401 drawn as %.80s", a.HTML)
	}
	if a := getRows(t, ts, ""); a.Limit != 200 || len(firstCells(a.HTML)) != 200 {
		t.Errorf("the default page has %d rows (limit %d), want 200", len(firstCells(a.HTML)), a.Limit)
	}
	if a := getRows(t, ts, "offset=5000"); a.HTML != "" || a.Matched != 450 {
		t.Errorf("past the end: %+v", a)
	}
}

func TestRowsSortsEveryRowNotTheShownOnes(t *testing.T) {
	ts := rowsServer(t)
	// size = i*7 % 450 takes every value 0..449 once (7 and 450 are coprime).
	a := getRows(t, ts, "sort=size&desc=1&limit=3")
	if !strings.HasPrefix(a.HTML, "<tr><td>job-") || !strings.Contains(a.HTML, "<td>449</td></tr><tr>") {
		t.Errorf("largest sizes first: %s", a.HTML)
	}
	want := fmt.Sprintf("job-%03d", 449*193%450) // 7*193 = 1351 = 1 mod 450
	if got := firstCells(a.HTML)[0]; got != want {
		t.Errorf("largest size is in %s, want %s", got, want)
	}
	a = getRows(t, ts, "sort=size&limit=2&offset=10")
	if !strings.Contains(a.HTML, "<td>10</td>") || !strings.Contains(a.HTML, "<td>11</td>") {
		t.Errorf("sizes 10 and 11 at offset 10: %s", a.HTML)
	}
	a = getRows(t, ts, "sort=name&desc=1&limit=1")
	if got := firstCells(a.HTML)[0]; got != "job-449" {
		t.Errorf("names descending start with %s", got)
	}
}

func TestRowsFiltersEveryRowAndCountsTheMatches(t *testing.T) {
	ts := rowsServer(t)
	a := getRows(t, ts, "q=JOB-44")
	if a.Matched != 10 || a.Total != 450 {
		t.Errorf("job-44x: %+v", a)
	}
	for _, c := range firstCells(a.HTML) {
		if !strings.HasPrefix(c, "job-44") {
			t.Errorf("%s does not match job-44", c)
		}
	}
	// The filter reads cells as shown: the size column too.
	a = getRows(t, ts, "q=449&sort=name")
	if a.Matched != 2 { // job-449 and the row of size 449
		t.Errorf("449 matches %d rows: %s", a.Matched, a.HTML)
	}
	if a := getRows(t, ts, "q=nothing+like+this"); a.Matched != 0 || a.HTML != "" {
		t.Errorf("no match: %+v", a)
	}
}

func TestRowsEscapesDataAsThePageDoes(t *testing.T) {
	ts := rowsServer(t)
	a := getRows(t, ts, "q=onerror")
	if a.Matched != 1 {
		t.Fatalf("the hostile row: %+v", a)
	}
	if strings.Contains(a.HTML, "<img") || !strings.Contains(a.HTML, "&lt;img src=x onerror=alert(1)&gt;&amp;&#34;") {
		t.Errorf("hostile name drawn as %s", a.HTML)
	}
}

func TestRowsAreBoundedAndChecked(t *testing.T) {
	ts := rowsServer(t)
	for q, code := range map[string]int{
		"limit=1001":  http.StatusBadRequest,
		"limit=-1":    http.StatusBadRequest,
		"offset=-1":   http.StatusBadRequest,
		"offset=many": http.StatusBadRequest,
		"limit=1000":  http.StatusOK,
	} {
		if resp, body := get(t, ts.url("w/t/rows/rows?"+q)); resp.StatusCode != code {
			t.Errorf("rows?%s: %d %s, want %d", q, resp.StatusCode, body, code)
		}
	}
	if resp, _ := get(t, ts.url("w/t/rows/count")); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a field that is not a list: %d", resp.StatusCode)
	}
	for _, p := range []string{"w/t/rows/nothing", "w/nobody/rows/rows"} {
		if resp, _ := get(t, ts.url(p)); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, resp.StatusCode)
		}
	}
}

func TestRowsNeedTheToken(t *testing.T) {
	ts := rowsServer(t)
	for _, u := range []string{ts.base + "w/t/rows/rows", ts.base + "w/t/rows/rows?token=wrong"} {
		if resp, body := get(t, u); resp.StatusCode != http.StatusUnauthorized || strings.Contains(body, "job-") {
			t.Errorf("%s: %d %.80s", u, resp.StatusCode, body)
		}
	}
}

func TestRowsFollowTheCurrentState(t *testing.T) {
	ts := rowsServer(t)
	ts.write(t, "rows.json", `[{"name": "only", "size": 1}]`)
	eventually(t, "the new list", func() bool {
		resp, body := get(t, ts.url("w/t/rows/rows"))
		return resp.StatusCode == 200 && strings.Contains(body, `"total":1`) && strings.Contains(body, "only")
	})
}
