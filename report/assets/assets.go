// Package assets holds the JavaScript that draws interloop's figures:
// Vega, Vega-Lite and Vega-Embed, copied unmodified from their npm release
// tarballs (versions, licences and hashes in NOTICE beside this file) and
// embedded in the binary, so reports and the dashboard need no network at
// view time.
package assets

import (
	"bytes"
	_ "embed"
)

//go:embed vega.min.js
var vega []byte

//go:embed vega-lite.min.js
var vegaLite []byte

//go:embed vega-embed.min.js
var vegaEmbed []byte

//go:embed NOTICE
var notice []byte

// Script is one embedded script.
type Script struct {
	// Name is its file name, e.g. "vega.min.js".
	Name string
	// Source is the script without its trailing sourceMappingURL comment
	// (the map is not shipped; a browser with DevTools open would fetch it).
	Source []byte
}

// Scripts returns the scripts in the order a page must load them: vega,
// vega-lite, vega-embed. The caller must not modify the returned bytes.
func Scripts() []Script {
	return []Script{
		{"vega.min.js", stripSourceMap(vega)},
		{"vega-lite.min.js", stripSourceMap(vegaLite)},
		{"vega-embed.min.js", stripSourceMap(vegaEmbed)},
	}
}

// Raw returns an embedded file exactly as committed, by name (one of the
// scripts or "NOTICE"); ok is false for any other name.
func Raw(name string) (b []byte, ok bool) {
	switch name {
	case "vega.min.js":
		return vega, true
	case "vega-lite.min.js":
		return vegaLite, true
	case "vega-embed.min.js":
		return vegaEmbed, true
	case "NOTICE":
		return notice, true
	}
	return nil, false
}

func stripSourceMap(b []byte) []byte {
	b = bytes.TrimRight(b, "\n")
	if i := bytes.LastIndex(b, []byte("\n//# sourceMappingURL=")); i >= 0 && !bytes.Contains(b[i+1:], []byte("\n")) {
		return b[:i+1]
	}
	return b
}
