package render

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Nothing a widget shows loads anything from outside the machine. The live
// page and the checkpoint's srcdoc document carry a CSP that says so; the
// static layer of a checkpoint, shown by the notebook itself, has none, so
// what the browser would fetch by itself is filtered here: an <img src> is
// a data: image or nothing (the cleaner for literal URLs, srcValue for
// values), a style attribute that would load something is removed, and the
// manifest's style loses its url()s, @imports and image functions.

// cssURL matches url(...) with its argument quoted or not.
var cssURL = regexp.MustCompile(`(?i)url\(\s*(?:"([^"]*)"|'([^']*)'|([^)"']*?))\s*\)`)

// cssImport matches an @import rule.
var cssImport = regexp.MustCompile(`(?i)@import\b[^;{}]*;?`)

// cssImageFunc matches the CSS functions that load images from strings
// (not only from url()).
var cssImageFunc = regexp.MustCompile(`(?i)(?:-[a-z]+-)?\b(image-set|image|cross-fade|element|src)\(`)

// cssEscape matches a CSS escape: a backslash and hex digits or one
// character.
var cssEscape = regexp.MustCompile(`\\(?:[0-9a-fA-F]{1,6}[ \t\n]?|[^\n0-9a-fA-F])`)

// cssUnescaped is css with its escapes decoded, as the browser reads it.
func cssUnescaped(css string) string {
	return cssEscape.ReplaceAllStringFunc(css, func(m string) string {
		h := strings.TrimRight(m[1:], " \t\n")
		if n, err := strconv.ParseUint(h, 16, 32); err == nil && len(h) > 0 && isHex(h) {
			return string(rune(n))
		}
		return m[1:]
	})
}

func isHex(s string) bool {
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// hidesFetch says whether escapes in css hide a url(), @import or image
// function that the plain text does not show.
func hidesFetch(css string) bool {
	if !strings.Contains(css, `\`) {
		return false
	}
	count := func(s string) int {
		return len(cssURL.FindAllString(s, -1)) + len(cssImport.FindAllString(s, -1)) + len(cssImageFunc.FindAllString(s, -1)) +
			strings.Count(strings.ToLower(s), "url(")
	}
	return count(cssUnescaped(css)) != count(css)
}

// CleanStyle filters a widget's CSS so that it loads nothing: url()s
// other than data: images become none, @import rules and the functions
// that load images from strings are removed; CSS whose escapes hide any of
// these is dropped whole. removed says what was taken out, as sentences.
func CleanStyle(css string) (out string, removed []string) {
	if hidesFetch(css) {
		return "", []string{"removed the style: CSS escapes in it spell a url(), @import or image function (write them plainly)"}
	}
	out = cssImport.ReplaceAllStringFunc(css, func(m string) string {
		removed = append(removed, fmt.Sprintf("removed %q from the style (widget pages load nothing from outside)", strings.TrimSpace(m)))
		return ""
	})
	out = cssURL.ReplaceAllStringFunc(out, func(m string) string {
		if target := cssURLTarget(m); !safeImageURL.MatchString(strings.ToLower(target[:min(len(target), 64)])) {
			removed = append(removed, fmt.Sprintf("removed url(%s) from the style (widget pages show only data: images)", shorten(target)))
			return "none"
		}
		return m
	})
	var b strings.Builder
	for {
		loc := cssImageFunc.FindStringIndex(out)
		if loc == nil {
			break
		}
		end := closingParen(out, loc[1])
		removed = append(removed, fmt.Sprintf("removed %s) from the style (it loads images from outside)", out[loc[0]:loc[1]]))
		b.WriteString(out[:loc[0]] + "none")
		out = out[end:]
	}
	b.WriteString(out)
	return b.String(), removed
}

// closingParen returns the index just past the parenthesis that closes the
// one open before i, skipping quoted strings and nested parentheses; or
// len(css) when it is never closed.
func closingParen(css string, i int) int {
	depth := 1
	var quote byte
	for ; i < len(css); i++ {
		c := css[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			if depth--; depth == 0 {
				return i + 1
			}
		}
	}
	return len(css)
}

// styleAttrOK says whether a style attribute (placeholders replaced by
// probe text, which tells whether one stands inside a url()) loads
// nothing, and if not, why.
func styleAttrOK(probe string, placeholder string) (bool, string) {
	if hidesFetch(probe) {
		return false, "its CSS escapes spell a url() or image function"
	}
	if cssImport.MatchString(probe) || cssImageFunc.MatchString(probe) {
		return false, "it loads images from outside"
	}
	for _, m := range cssURL.FindAllString(probe, -1) {
		target := cssURLTarget(m)
		if placeholder != "" && strings.Contains(target, placeholder) {
			return false, "a placeholder may not be the URL in url()"
		}
		if !safeImageURL.MatchString(strings.ToLower(target[:min(len(target), 64)])) {
			return false, fmt.Sprintf("it loads url(%s) (widget pages show only data: images)", shorten(target))
		}
	}
	return true, ""
}

func cssURLTarget(m string) string {
	sm := cssURL.FindStringSubmatch(m)
	return strings.TrimSpace(sm[1] + sm[2] + sm[3])
}

func shorten(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
