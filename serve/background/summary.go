package background

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/syft-widget/syft-widget/serve"
)

// Summary is what `servers` shows of one running background server.
type Summary struct {
	Name     string   `json:"name"`
	PID      int      `json:"pid"`
	URL      string   `json:"url"`
	Widgets  []string `json:"widgets"`
	Uptime   string   `json:"uptime"`
	Idle     string   `json:"idle"`
	Expires  string   `json:"expires"`
	Log      string   `json:"log"`
	Problems []string `json:"problems,omitempty"`
}

// Summaries describes the servers under home that answer, by name, and
// removes the records of those that do not. A server that answers /healthz
// but not /admin/status is listed with what its record says.
func Summaries(home string) []Summary {
	out := []Summary{}
	for _, r := range Records(home) {
		if !Alive(r) {
			RemoveStale(home, r)
			continue
		}
		row := Summary{Name: r.Name, PID: r.PID, URL: r.BaseURL() + "?token=" + r.Token, Log: r.Log, Widgets: []string{}}
		var st serve.Status
		if b, err := Admin(r, http.MethodGet, "status", nil); err == nil && json.Unmarshal(b, &st) == nil {
			row.Uptime = short(time.Since(st.Started))
			row.Idle = short(st.Idle)
			for _, w := range st.Widgets {
				if w.Name != "" {
					row.Widgets = append(row.Widgets, w.Name)
				}
				row.Problems = append(row.Problems, w.Errors...)
			}
			row.Expires = expiresIn(st)
		}
		out = append(out, row)
	}
	return out
}

// WriteTable writes summaries as the aligned table of `servers`.
func WriteTable(w io.Writer, summaries []Summary) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPID\tURL\tWIDGETS\tUPTIME\tIDLE\tEXPIRES")
	for _, r := range summaries {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.PID, r.URL, strings.Join(r.Widgets, ","), r.Uptime, r.Idle, r.Expires)
	}
	return tw.Flush()
}

// expiresIn says when an idle server will exit: "never", or "in 23h59m"
// counted from its last activity (the full expiration while pages watch it).
func expiresIn(st serve.Status) string {
	if st.Expiration == 0 {
		return "never"
	}
	left := st.Expiration - st.Idle
	if st.Streams > 0 || left < 0 {
		left = st.Expiration
	}
	return "in " + short(left)
}

// short writes a duration to the second, without trailing zero units:
// 24h, 1h30m, 42s.
func short(d time.Duration) string {
	s := d.Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// RotateToken gives the record's server a new token and returns it; pages
// and saved notebooks holding the old one lose access.
func RotateToken(r *Record) (string, error) {
	b, err := Admin(r, http.MethodPost, "token", nil)
	if err != nil {
		return "", err
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.Token == "" {
		return "", fmt.Errorf("server %s sent no token: %s", r.Name, b)
	}
	return out.Token, nil
}
