//go:build sqlite

package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// -db persists everything; a second run resumes from the database, adds
// nothing and reports the same portfolio.
func TestQuickstartPersistsAndResumes(t *testing.T) {
	db := filepath.Join(t.TempDir(), "crm.db")
	first := quickstart(t, "-customers", "500", "-db", db)
	second := quickstart(t, "-customers", "500", "-db", db)
	require.Contains(t, second, "(resumed)")
	require.Contains(t, second, "the database already holds these stages")
	require.Contains(t, second, "resumed from the database")
	cut := func(s string) string { // the portfolio, RFM, models and tiers
		i := strings.Index(s, "== 1 Portfolio")
		j := strings.Index(s, "== 5 Segments")
		return s[i:j]
	}
	require.Equal(t, cut(first), cut(second))
	re := regexp.MustCompile(`(\d+) complaints, (\d+) still open at month end; SLA met by (\d+)%`)
	require.Equal(t, re.FindStringSubmatch(first), re.FindStringSubmatch(second), "the desk month is not replayed")
	require.Equal(t, number(t, first, `NPS all answers .*n = (\d+)\)`), number(t, second, `NPS all answers .*n = (\d+)\)`), "no survey recorded twice")
}
