package web

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"tongxin/internal/model"
)

// Locales the UI speaks; the first is the fallback for a missing key.
const (
	LocaleZH = "zh-CN"
	LocaleEN = "en"
)

// Catalog maps locale → key → text. It is read once at start-up from
// web/locales/<locale>/*.yaml; every locale must hold the same keys.
type Catalog struct {
	msgs map[string]map[string]string
}

// LoadCatalog reads the catalogs and fails when a locale lacks a key another has.
func LoadCatalog(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]string{}}
	for _, loc := range []string{LocaleZH, LocaleEN} {
		m := map[string]string{}
		files, err := fs.Glob(fsys, path.Join("locales", loc, "*.yaml"))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			b, err := fs.ReadFile(fsys, f)
			if err != nil {
				return nil, err
			}
			var part map[string]string
			if err := yaml.Unmarshal(b, &part); err != nil {
				return nil, fmt.Errorf("catalog %s: %w", f, err)
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					return nil, fmt.Errorf("catalog %s: key %q defined twice", f, k)
				}
				m[k] = v
			}
		}
		c.msgs[loc] = m
	}
	if missing := c.Missing(); len(missing) > 0 {
		return nil, fmt.Errorf("catalog: keys missing from a locale: %s", strings.Join(missing, ", "))
	}
	return c, nil
}

// Missing lists "locale:key" for keys one locale has and another lacks.
func (c *Catalog) Missing() []string {
	var out []string
	for loc, m := range c.msgs {
		for other, om := range c.msgs {
			if other == loc {
				continue
			}
			for k := range om {
				if _, ok := m[k]; !ok {
					out = append(out, loc+":"+k)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// T translates key into loc, formatting args with fmt verbs. An unknown key
// comes back as itself, so that a missing translation is visible, not blank.
func (c *Catalog) T(loc, key string, args ...any) string {
	s, ok := c.msgs[loc][key]
	if !ok {
		s, ok = c.msgs[LocaleZH][key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, c.labelArgs(loc, args)...)
	}
	return s
}

// labelArgs shows the model.Labels among args by their catalog labels.
func (c *Catalog) labelArgs(loc string, args []any) []any {
	var out []any
	for i, a := range args {
		l, ok := a.(model.Labels)
		if !ok {
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		if len(l.Codes) == 0 {
			out[i] = "—"
			continue
		}
		names := make([]string, len(l.Codes))
		for j, code := range l.Codes {
			names[j] = c.T(loc, l.Prefix+code)
		}
		sep := "、"
		if loc == LocaleEN {
			sep = ", "
		}
		out[i] = strings.Join(names, sep)
	}
	if out == nil {
		return args
	}
	return out
}

// Has reports whether key exists.
func (c *Catalog) Has(key string) bool {
	_, ok := c.msgs[LocaleZH][key]
	return ok
}

// Keys returns the sorted keys of the zh-CN catalog (for tests).
func (c *Catalog) Keys() []string {
	keys := make([]string, 0, len(c.msgs[LocaleZH]))
	for k := range c.msgs[LocaleZH] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
