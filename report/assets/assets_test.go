package assets

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// TestNoticeHashes: the committed files are the ones NOTICE lists (copied
// unmodified from npm), so a changed file cannot go unnoticed.
func TestNoticeHashes(t *testing.T) {
	for _, s := range Scripts() {
		raw, ok := Raw(s.Name)
		if !ok {
			t.Fatalf("Raw(%s) missing", s.Name)
		}
		sum := sha256.Sum256(raw)
		h := hex.EncodeToString(sum[:])
		found := false
		for _, line := range strings.Split(string(notice), "\n") {
			f := strings.Fields(line)
			if len(f) == 5 && f[0] == s.Name {
				found = true
				if f[4] != h {
					t.Errorf("%s: sha256 %s, NOTICE says %s", s.Name, h, f[4])
				}
			}
		}
		if !found {
			t.Errorf("NOTICE does not list %s", s.Name)
		}
	}
}

func TestScriptsInline(t *testing.T) {
	for _, s := range Scripts() {
		if len(s.Source) < 10000 {
			t.Errorf("%s: %d bytes", s.Name, len(s.Source))
		}
		if bytes.Contains(s.Source, []byte("sourceMappingURL")) {
			t.Errorf("%s still names its source map", s.Name)
		}
		if bytes.Contains(bytes.ToLower(s.Source), []byte("</script")) || bytes.Contains(s.Source, []byte("<!--")) {
			t.Errorf("%s cannot be inlined in a <script> element", s.Name)
		}
	}
	if _, ok := Raw("../assets.go"); ok {
		t.Error("Raw serves a name that is not an asset")
	}
}

func TestStripSourceMap(t *testing.T) {
	for in, want := range map[string]string{
		"a();\n//# sourceMappingURL=x.map\n": "a();\n",
		"a();\n//# sourceMappingURL=x.map":   "a();\n",
		"a();\n":                             "a();",
		"a(); // sourceMappingURL=x\nb();":   "a(); // sourceMappingURL=x\nb();",
	} {
		if got := string(stripSourceMap([]byte(in))); got != want {
			t.Errorf("stripSourceMap(%q) = %q, want %q", in, got, want)
		}
	}
}
