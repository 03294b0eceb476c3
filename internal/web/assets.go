package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

// Assets serves web/static under /static/ with a content hash in every URL
// (/static/css/app.3fa2c1d0.css), so that a file can be cached forever and a
// new release is fetched at once.
type Assets struct {
	files  map[string][]byte // logical name → content
	hashed map[string]string // logical name → URL
	byURL  map[string]string // hashed file name → logical name
}

// LoadAssets reads every file under static/ of fsys.
func LoadAssets(fsys fs.FS) (*Assets, error) {
	a := &Assets{files: map[string][]byte{}, hashed: map[string]string{}, byURL: map[string]string{}}
	err := fs.WalkDir(fsys, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(b)
		ext := path.Ext(name)
		hashedName := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:4]) + ext
		a.files[name] = b
		a.hashed[name] = "/static/" + hashedName
		a.byURL[hashedName] = name
		return nil
	})
	return a, err
}

// URL returns the hashed URL of a logical name; an unknown name is an error
// at template execution, which the render tests catch.
func (a *Assets) URL(name string) (string, error) {
	u, ok := a.hashed[name]
	if !ok {
		return "", fmt.Errorf("asset %q does not exist under web/static", name)
	}
	return u, nil
}

// Names lists the logical names (tests).
func (a *Assets) Names() []string {
	out := make([]string, 0, len(a.files))
	for n := range a.files {
		out = append(out, n)
	}
	return out
}

// Serve is the handler for GET /static/*.
func (a *Assets) Serve(c echo.Context) error {
	name, ok := a.byURL[c.Param("*")]
	if !ok {
		return echo.ErrNotFound
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "public, max-age=31536000, immutable")
	return c.Blob(http.StatusOK, ct, a.files[name])
}
