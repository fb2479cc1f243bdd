package filterpattern_test

import (
	"go/build"
	"strings"
	"testing"
)

// TestImportsStandardLibraryOnly keeps the engine pure: it may import the
// standard library and the trailwatch vocabulary, nothing else.
func TestImportsStandardLibraryOnly(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		first, _, _ := strings.Cut(imp, "/")
		if strings.Contains(first, ".") && imp != "github.com/trailwatch/trailwatch" {
			t.Errorf("filterpattern imports %s", imp)
		}
		if imp == "os" || imp == "net" || imp == "net/http" || imp == "io/fs" {
			t.Errorf("filterpattern imports %s; the engine does no I/O", imp)
		}
	}
}
