package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRoadmapWalkthrough(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, []string{"-out", dir}))
	text := out.String()
	for _, want := range []string{"no_owner", "goal_no_kpi", "initiative_no_owner", "lead_time_short", "over_budget", "too_many_priorities", "status: active", "health on 2025-08-01"} {
		require.Contains(t, text, want)
	}
	after := text[strings.Index(text, "after fixes"):strings.Index(text, "signed off by [")]
	require.NotContains(t, after, "error", "the fixes clear every error")
	for _, f := range []string{"roadmap.md", "gantt.mmd", "roadmap.ics"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		require.NotEmpty(t, b)
	}
	ics, _ := os.ReadFile(filepath.Join(dir, "roadmap.ics"))
	require.True(t, bytes.HasPrefix(ics, []byte("BEGIN:VCALENDAR\r\n")))
}
