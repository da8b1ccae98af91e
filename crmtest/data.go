package crmtest

import (
	"os"
	"path/filepath"
	"testing"
)

// ReferenceData returns the path of a file or folder in the shared reference
// data (../shared/data seen from the module root), joined from parts. When it
// is missing the test is skipped with a message saying where it looked, or
// fails when the environment has CI=true.
func ReferenceData(tb testing.TB, parts ...string) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	root := ""
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			root = d
			break
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	path := filepath.Join(append([]string{root, "..", "shared", "data"}, parts...)...)
	if root == "" {
		path = filepath.Join(parts...)
	}
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("reference data not found at %s (CI=true, so this fails instead of skipping)", path)
		}
		tb.Skipf("reference data not found at %s; skipping", path)
	}
	return path
}
