package web

import (
	"bytes"
	"html"
	"regexp"
	"sort"
	"strings"
)

// The validation summary at the top of a form (<div class="error-summary">
// with a <ul> of <li><a href="#field">message</a></li>) names the field of
// each message, once per field, in the form's order: "标题：此项为必填项".
// Templates list the messages of their errors map (in key order, without
// labels); the labels and their order are the form's own, so they are read
// from the page as rendered, and a form needs no list of its fields twice.
// Only pages answered with an error status are rewritten.

var (
	summaryItemRe  = regexp.MustCompile(`(?s)<li>\s*<a href="#([^"]+)">(.*?)</a>\s*</li>`)
	labelRe        = regexp.MustCompile(`(?s)<label\b[^>]*\bfor="([^"]+)"[^>]*>(.*?)</label>`)
	controlRe      = regexp.MustCompile(`<(?:input|select|textarea)\b[^>]*>`)
	attrIDRe       = regexp.MustCompile(`\bid="([^"]+)"`)
	attrAriaLabel  = regexp.MustCompile(`\baria-label="([^"]+)"`)
	tagRe          = regexp.MustCompile(`<[^>]*>`)
	spaceRe        = regexp.MustCompile(`\s+`)
	summaryMarker  = []byte(`class="error-summary"`)
	summaryOpen    = []byte(`<div class="error-summary"`)
	summaryListTag = []byte(`<ul>`)
)

// fieldLabel is a control's label and where it stands in the page.
type fieldLabel struct {
	text string // HTML text, as in the page
	pos  int
}

// pageLabels maps control ids to their labels: a <label for>, else the
// control's aria-label.
func pageLabels(page []byte) map[string]fieldLabel {
	out := map[string]fieldLabel{}
	for _, m := range labelRe.FindAllSubmatchIndex(page, -1) {
		id := string(page[m[2]:m[3]])
		text := strings.TrimSpace(spaceRe.ReplaceAllString(tagRe.ReplaceAllString(string(page[m[4]:m[5]]), ""), " "))
		if _, ok := out[id]; !ok && text != "" {
			out[id] = fieldLabel{text: text, pos: m[0]}
		}
	}
	for _, m := range controlRe.FindAllIndex(page, -1) {
		tag := page[m[0]:m[1]]
		id, label := attrIDRe.FindSubmatch(tag), attrAriaLabel.FindSubmatch(tag)
		if id == nil || label == nil {
			continue
		}
		if _, ok := out[string(id[1])]; !ok {
			out[string(id[1])] = fieldLabel{text: string(label[1]), pos: m[0]}
		}
	}
	return out
}

// labelSummaries rewrites the validation summaries of a rendered page.
func labelSummaries(page []byte, lang string) []byte {
	if !bytes.Contains(page, summaryMarker) || !bytes.Contains(page, summaryListTag) {
		return page
	}
	sep := "："
	if lang == LocaleEN {
		sep = ": "
	}
	var labels map[string]fieldLabel
	var out bytes.Buffer
	rest := page
	for {
		i := bytes.Index(rest, summaryOpen)
		if i < 0 {
			break
		}
		// The summary's list: a <ul> before the summary's own </div>.
		ul, div := bytes.Index(rest[i:], summaryListTag), bytes.Index(rest[i:], []byte("</div>"))
		if ul < 0 || (div >= 0 && div < ul) {
			out.Write(rest[:i+len(summaryOpen)])
			rest = rest[i+len(summaryOpen):]
			continue
		}
		listStart := i + ul + len(summaryListTag)
		n := bytes.Index(rest[listStart:], []byte("</ul>"))
		if n < 0 {
			break
		}
		out.Write(rest[:listStart])
		if labels == nil {
			labels = pageLabels(page)
		}
		out.Write(labelSummaryItems(rest[listStart:listStart+n], labels, sep))
		rest = rest[listStart+n:]
	}
	out.Write(rest)
	return out.Bytes()
}

// labelSummaryItems rewrites the <li> of one summary.
func labelSummaryItems(list []byte, labels map[string]fieldLabel, sep string) []byte {
	items := summaryItemRe.FindAllSubmatch(list, -1)
	if len(items) == 0 {
		return list
	}
	type entry struct {
		id, text string
		pos      int
		labelled bool
	}
	seen := map[string]bool{}
	var entries []entry
	for _, it := range items {
		id, msg := string(it[1]), strings.TrimSpace(string(it[2]))
		if seen[id] {
			continue
		}
		seen[id] = true
		e := entry{id: id, text: msg}
		if l, ok := labels[id]; ok {
			e.pos, e.labelled = l.pos, true
			if !strings.HasPrefix(html.UnescapeString(msg), html.UnescapeString(l.text)) {
				e.text = l.text + sep + msg
			}
		}
		entries = append(entries, e)
	}
	// Messages without a field on the page first, then the form's order.
	sort.SliceStable(entries, func(i, j int) bool {
		if entries[i].labelled != entries[j].labelled {
			return !entries[i].labelled
		}
		return entries[i].pos < entries[j].pos
	})
	var b bytes.Buffer
	for _, e := range entries {
		b.WriteString(`<li><a href="#`)
		b.WriteString(e.id)
		b.WriteString(`">`)
		b.WriteString(e.text)
		b.WriteString(`</a></li>`)
	}
	return b.Bytes()
}
