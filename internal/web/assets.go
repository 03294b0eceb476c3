package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"math"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"

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

// favicon is /favicon.ico, drawn once: the 同心 mark as two concentric
// rings in white on the party red (the same figure as static/img/icon.svg),
// 32×32, as an ICO file holding one PNG.
var favicon = sync.OnceValue(func() []byte {
	const size, sub = 32, 4 // pixels, and samples per pixel side
	red := color.NRGBA{0xc8, 0x16, 0x1d, 0xff}
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			var inside, white int
			for sy := 0; sy < sub; sy++ {
				for sx := 0; sx < sub; sx++ {
					px, py := float64(x)+(float64(sx)+.5)/sub, float64(y)+(float64(sy)+.5)/sub
					if !inRoundedSquare(px, py, size, 6) {
						continue
					}
					inside++
					d := math.Hypot(px-size/2, py-size/2)
					if d <= 4 || math.Abs(d-10) <= 1.5 {
						white++
					}
				}
			}
			if inside == 0 {
				continue
			}
			w := float64(white) / float64(inside)
			mix := func(c uint8) uint8 { return uint8(math.Round(float64(c)*(1-w) + 255*w)) }
			img.SetNRGBA(x, y, color.NRGBA{mix(red.R), mix(red.G), mix(red.B), uint8(inside * 255 / (sub * sub))})
		}
	}
	var pngData bytes.Buffer
	if err := png.Encode(&pngData, img); err != nil {
		panic(err) // encoding an in-memory image cannot fail
	}
	var ico bytes.Buffer
	// ICONDIR: reserved, type 1 (icon), one image; ICONDIRENTRY: 32×32, no
	// palette, 1 plane, 32 bits, the PNG's size and offset (6 + 16).
	_ = binary.Write(&ico, binary.LittleEndian, []uint16{0, 1, 1})
	ico.Write([]byte{size, size, 0, 0})
	_ = binary.Write(&ico, binary.LittleEndian, []uint16{1, 32})
	_ = binary.Write(&ico, binary.LittleEndian, []uint32{uint32(pngData.Len()), 22})
	ico.Write(pngData.Bytes())
	return ico.Bytes()
})

// inRoundedSquare reports whether (x, y) lies in the square [0, size]² with
// corners rounded to radius r.
func inRoundedSquare(x, y, size, r float64) bool {
	cx := math.Min(math.Max(x, r), size-r)
	cy := math.Min(math.Max(y, r), size-r)
	return math.Hypot(x-cx, y-cy) <= r
}

// Favicon is the handler for GET /favicon.ico, which browsers ask for on
// their own.
func (a *Assets) Favicon(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=86400")
	return c.Blob(http.StatusOK, "image/x-icon", favicon())
}
