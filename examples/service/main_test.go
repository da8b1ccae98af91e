package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// A month of service routed by tier and skill, approvals above authority,
// the satisfaction index by tier and the cross-source root causes with
// their vital few as initiatives.
func TestService(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, []string{"-customers", "4000"}))
	text := out.String()
	// Platinum and Gold complaints are the key-account team's; win-back
	// calls the specialists'; nothing else reaches either.
	routed := regexp.MustCompile(`(?m)^  (\S+(?: win-back)?)\s+→ (\S+)\s+(\d+)$`).FindAllStringSubmatch(text, -1)
	require.GreaterOrEqual(t, len(routed), 5, text)
	for _, m := range routed {
		what, team := m[1], m[2]
		switch {
		case what == "Platinum" || what == "Gold":
			require.Equal(t, "key-accounts", team, m[0])
		case regexp.MustCompile(`win-back$`).MatchString(what):
			require.Equal(t, "win-back", team, m[0])
		default:
			require.Equal(t, "general", team, m[0])
		}
	}
	require.Regexp(t, `Platinum\s+→ key-accounts\s+\d+`, text)
	m := regexp.MustCompile(`(\d+) approvals asked: (\d+) approved by lena, (\d+) refused`).FindStringSubmatch(text)
	require.NotNil(t, m, text)
	asked, _ := strconv.Atoi(m[1])
	approved, _ := strconv.Atoi(m[2])
	refused, _ := strconv.Atoi(m[3])
	require.Positive(t, approved)
	require.Positive(t, refused)
	require.Equal(t, asked, approved+refused)
	require.Regexp(t, `tier=Gold\s+n=\s*\d+\s+\d+\.\d\s+\[\s*\d+\.\d,\s+\d+\.\d\]`, text, "the index by tier, with its interval")
	require.Regexp(t, `Late delivery\s+\d+\s+[\d.]+%\s+cum\s+[\d.]+%\s+complaints\s+\d+, interviews\s+\d+, low scores\s+\d+ \*`, text)
	require.Regexp(t, `Moved away\s+\d+.*interviews\s+[1-9]`, text, "a reason only interviews give is ranked with the rest")
	require.Regexp(t, `fix-late_delivery — Fix: Late delivery`, text)
	var again bytes.Buffer
	require.NoError(t, run(context.Background(), &again, []string{"-customers", "4000"}))
	require.Equal(t, text, again.String(), "deterministic")
}
