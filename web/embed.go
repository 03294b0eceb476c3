// Package web embeds the templates, static files and message catalogs that
// the binary serves. The Go code that serves them is internal/web.
package web

import "embed"

// Templates holds layouts/, partials/ and pages/.
//
//go:embed templates
var Templates embed.FS

// Static holds css/, js/, img/ and vendor/.
//
//go:embed static
var Static embed.FS

// Locales holds one folder of YAML catalogs per locale.
//
//go:embed locales
var Locales embed.FS
