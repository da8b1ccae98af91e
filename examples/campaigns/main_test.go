package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// Three campaigns, each with contacts, suppressions by reason, outcomes
// and an uplift against its control group; a second run sends nothing.
func TestCampaigns(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, []string{"-customers", "4000"}))
	text := out.String()
	for _, id := range []string{"first-follow-up", "win-back-calls", "service-reminder"} {
		require.Contains(t, text, "== "+id)
	}
	for _, m := range regexp.MustCompile(`decided (\d+): sent (\d+), held out as control (\d+)`).FindAllStringSubmatch(text, -1) {
		decided, _ := strconv.Atoi(m[1])
		sent, _ := strconv.Atoi(m[2])
		control, _ := strconv.Atoi(m[3])
		require.Positive(t, sent)
		require.Positive(t, control)
		require.Less(t, sent+control, decided+1)
	}
	require.Regexp(t, `suppressed, no_channel:\s+\d+`, text)
	require.Regexp(t, `call: accepted the free repair\s+\d+`, text)
	require.Regexp(t, `uplift \(converted\) \+\d`, text, "the follow-up works")
	require.Regexp(t, `running "first-follow-up" again: \d+ decided before, 0 new`, text)
	var again bytes.Buffer
	require.NoError(t, run(context.Background(), &again, []string{"-customers", "4000"}))
	require.Equal(t, text, again.String(), "deterministic")
}
