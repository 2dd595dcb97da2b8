package ipynb

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

const saved = `{
 "cells": [
  {
   "cell_type": "code",
   "execution_count": 1,
   "id": "w",
   "metadata": {},
   "outputs": [
    {
     "data": {
      "text/html": [
       "<div>old value</div><script>(x)({\"liveURL\":\"http://127.0.0.1:8123/w/jobs/?token=abc\"});</script>\n",
       "<!-- syft-widget checkpoint {\"manifest\":\"jobs.yaml\"} -->\n"
      ],
      "text/plain": [
       "<IPython.core.display.HTML object>"
      ]
     },
     "execution_count": 1,
     "metadata": {},
     "output_type": "execute_result"
    }
   ],
   "source": [
    "x = 1.50\n"
   ]
  },
  {
   "cell_type": "code",
   "execution_count": 2,
   "id": "o",
   "metadata": {},
   "outputs": [
    {
     "data": {
      "text/html": "<b>old value & other</b>"
     },
     "metadata": {},
     "output_type": "display_data"
    }
   ],
   "source": []
  }
 ],
 "metadata": {
  "version": 1.50
 },
 "nbformat": 4,
 "nbformat_minor": 5
}
`

func TestRefreshReplacesOnlyMarkedOutputsAndKeepsTheRestAsWritten(t *testing.T) {
	var seen []Checkpoint
	out, n, errs, err := Refresh([]byte(saved), func(cp Checkpoint) (string, error) {
		seen = append(seen, cp)
		return "<div>new value</div>\n" + Marker(cp.Manifest) + "\n", nil
	})
	if err != nil || len(errs) > 0 || n != 1 {
		t.Fatalf("Refresh: n=%d errs=%v err=%v", n, errs, err)
	}
	if len(seen) != 1 || seen[0] != (Checkpoint{Cell: 0, Manifest: "jobs.yaml", LiveURL: "http://127.0.0.1:8123/w/jobs/?token=abc"}) {
		t.Errorf("checkpoints seen: %+v", seen)
	}
	want := strings.Replace(saved, `       "<div>old value</div><script>(x)({\"liveURL\":\"http://127.0.0.1:8123/w/jobs/?token=abc\"});</script>\n",`,
		`       "<div>new value</div>\n",`, 1)
	if string(out) != want {
		t.Errorf("the notebook changed beyond the marked output:\n%s", out)
	}
}

func TestRefreshLeavesAFailedCheckpointAsItWas(t *testing.T) {
	out, n, errs, err := Refresh([]byte(saved), func(Checkpoint) (string, error) { return "", errors.New("jobs.yaml: no such file") })
	if err != nil || n != 0 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "cell 1 (jobs.yaml): jobs.yaml: no such file") {
		t.Fatalf("n=%d errs=%v err=%v", n, errs, err)
	}
	if string(out) != saved {
		t.Errorf("a failed refresh changed the notebook:\n%s", out)
	}
}

func TestMarkerCannotEndItsComment(t *testing.T) {
	m := Marker("a-->b<script>.yaml")
	if strings.Count(m, "-->") != 1 || !strings.HasSuffix(m, " -->") {
		t.Errorf("marker %q", m)
	}
	var got struct{ Manifest string }
	json.Unmarshal([]byte(markerRE.FindStringSubmatch(m)[1]), &got)
	if got.Manifest != "a-->b<script>.yaml" {
		t.Errorf("the marker reads back %q", got.Manifest)
	}
}

func FuzzRefresh(f *testing.F) {
	f.Add([]byte(saved))
	f.Add([]byte(`{"cells":[{"outputs":[{"data":{"text/html":["<!-- syft-widget checkpoint {\"manifest\":1} -->"]}}]}]}`))
	f.Fuzz(func(t *testing.T, nb []byte) {
		out, _, _, err := Refresh(nb, func(cp Checkpoint) (string, error) { return Marker(cp.Manifest), nil })
		if err == nil && !json.Valid(out) {
			t.Errorf("Refresh wrote invalid JSON from %q", nb)
		}
	})
}
