package metricmath_test

import (
	"go/build"
	"strings"
	"testing"
)

// TestImportsStandardLibraryOnly keeps the engine pure: no storage, no
// HTTP, nothing outside the standard library.
func TestImportsStandardLibraryOnly(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		first, _, _ := strings.Cut(imp, "/")
		if strings.Contains(first, ".") {
			t.Errorf("metricmath imports %s", imp)
		}
		if imp == "os" || imp == "net" || imp == "net/http" || imp == "io/fs" || imp == "database/sql" {
			t.Errorf("metricmath imports %s; the engine does no I/O", imp)
		}
	}
}
