// Package render turns a widget's template and values into HTML: the body
// (one renderer for the checkpoint, the live page and its updates), the
// live page document with its client script, and the checkpoint fragment
// that `render --checkpoint` prints.
//
// A template is cleaned with an allow-list when compiled; its {field},
// {a.b.c} and {.} placeholders become html/template actions, so every
// value is escaped for where it stands. How values read:
//
//   - numbers as people write them (1285, 0.25, 0.3 for 0.1+0.2; integers
//     exact); bool true/false; null empty; a time as local
//     "2006-01-02 15:04:05" (TimeLayout);
//   - in text, a list of objects as a table (columns: the union of keys,
//     sorted), another list as <ul>, an object as key/value rows; in an
//     attribute, composite values as compact JSON;
//   - data-format on the element that holds a placeholder in its own text:
//     json (pretty, in <code class="sw-json">), bytes (1536 -> 1.5 KiB),
//     ago (a time, an RFC 3339 string or unix seconds -> "5 min ago"),
//     percent (a fraction: 0.25 -> 25%, 1.5 -> 150%), sparkline and bar
//     (inline SVG; bar takes a fraction 0..1 or a list of numbers). A value
//     a format cannot read shows as usual.
//
// Inside <template data-each>, placeholders name the item's keys first,
// then fields; a key the item lacks reads as empty. data-each repeats a
// list's items, an object's {key, value} entries sorted by key, and
// nothing for null.
//
// A Template keeps what it drew last: the HTML of each data-each item, and
// where each data-field element stands. The next Body draws only the items
// that changed, and Template.Shape parses only the data-field elements
// that changed, so that a change costs what it changes; the output is the
// same as drawing and parsing afresh.
package render
