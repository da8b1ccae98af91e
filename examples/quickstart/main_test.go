package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestQuickstartReport(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, io.Discard, []string{"-customers", "2000"}))
	text := out.String()
	m := regexp.MustCompile(`customers\s+(\d+)\s+\((\d+) bought at least once, (\d+) prospects\)`).FindStringSubmatch(text)
	require.NotNil(t, m, text)
	total, _ := strconv.Atoi(m[1])
	buyers, _ := strconv.Atoi(m[2])
	prospects, _ := strconv.Atoi(m[3])
	require.Equal(t, 2000, total)
	require.Equal(t, total, buyers+prospects)
	require.Regexp(t, `transactions\s+\d{4,}`, text)
	// The generator plants the phone hotline as the weakest channel; the
	// report lists channels from worst experience to best.
	require.Regexp(t, `experience by channel \(mean rating, 1-5\):\n  phone `, text)

	var again bytes.Buffer
	require.NoError(t, run(context.Background(), &again, io.Discard, []string{"-customers", "2000"}))
	require.Equal(t, text, again.String(), "the report is deterministic")
	require.Error(t, run(context.Background(), io.Discard, io.Discard, []string{"-customers", "-5"}))
}
