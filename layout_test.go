package trailwatch_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/trailwatch/trailwatch"

type goPackage struct {
	ImportPath string
	Doc        string
	Imports    []string
}

func listPackages(t *testing.T) []goPackage {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []goPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p goPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// rel strips the module path: "" for the root, "storage/sqlite", …
func rel(path string) (string, bool) {
	if path == module {
		return "", true
	}
	if strings.HasPrefix(path, module+"/") {
		return strings.TrimPrefix(path, module+"/"), true
	}
	return "", false
}

var services = map[string]bool{"iam": true, "sts": true, "cloudtrail": true, "logs": true, "monitoring": true, "sns": true, "events": true, "configservice": true, "s3": true}

// TestImportRules keeps the layout STYLE.md describes: the vocabulary
// imports nothing of ours, engines only the vocabulary, services never
// a wire codec, another service, the front door or a backend, backends never a
// service or net/http, and only the server assembly knows the backends.
func TestImportRules(t *testing.T) {
	for _, p := range listPackages(t) {
		self, _ := rel(p.ImportPath)
		for _, imp := range p.Imports {
			dep, ours := rel(imp)
			switch {
			case self == "":
				if ours {
					t.Errorf("the root package imports %s; it must import nothing of ours", dep)
				}
			case self == "policy" || self == "storage":
				if ours && dep != "" {
					t.Errorf("%s imports %s; it may import only the root package", self, dep)
				}
			case services[self]:
				// net/http's status constants are fine; requests, codecs and
				// signatures are the front door's business.
				if ours && (services[dep] || dep == "frontdoor" || strings.HasPrefix(dep, "storage/") || dep == "internal/server" ||
					dep == "internal/awsjson" || dep == "internal/awsquery" || dep == "internal/restxml" || dep == "internal/sigv4") {
					t.Errorf("service %s imports %s", self, imp)
				}
			case strings.HasPrefix(self, "storage/") && self != "storage/storagetest":
				if imp == "net/http" || (ours && (services[dep] || dep == "frontdoor")) {
					t.Errorf("backend %s imports %s", self, imp)
				}
			case self == "frontdoor":
				if ours && (services[dep] || strings.HasPrefix(dep, "storage")) {
					t.Errorf("frontdoor imports %s; it gets services and storage from its options", dep)
				}
			}
			if ours && (dep == "storage/sqlite" || dep == "storage/postgres") && self != "internal/server" {
				t.Errorf("%s imports backend %s; only internal/server assembles backends", self, dep)
			}
		}
	}
}

// TestPackageDocs: every package says what it is for.
func TestPackageDocs(t *testing.T) {
	for _, p := range listPackages(t) {
		if strings.TrimSpace(p.Doc) == "" {
			t.Errorf("package %s has no doc comment", p.ImportPath)
		}
	}
}
