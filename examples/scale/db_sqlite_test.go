//go:build sqlite

package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// -db persists everything; a second run resumes from the database, adds
// nothing and reports the same.
func TestScalePersistsAndResumes(t *testing.T) {
	db := filepath.Join(t.TempDir(), "crm.db")
	first := scale(t, "-customers", "500", "-db", db)
	second := scale(t, "-customers", "500", "-db", db)
	require.Contains(t, second, "(resumed)")
	cut := func(s string) string { return s[strings.Index(s, "\nperiod "):] }
	require.Equal(t, cut(first), cut(second))
	require.Regexp(t, `(?m)^items complaint\s+\d+`, second)
}
