package stats

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestIntervals(t *testing.T) {
	// Wilson 95% for 8 of 10: 0.4902 to 0.9433 (Newcombe 1998, table I).
	lo, hi := Wilson(8, 10)
	require.InDelta(t, 0.4902, lo, 1e-4)
	require.InDelta(t, 0.9433, hi, 1e-4)
	lo, hi = Wilson(0, 10)
	require.Zero(t, lo)
	require.InDelta(t, 0.2775, hi, 1e-4)
	// Newcombe 1998 (table II, example (a)): 56/70 − 48/80 = 0.2000,
	// hybrid score interval 0.0524 to 0.3339.
	d, lo, hi := Difference(56, 70, 48, 80)
	require.InDelta(t, 0.2, d, 1e-12)
	require.InDelta(t, 0.0524, lo, 1e-4)
	require.InDelta(t, 0.3339, hi, 1e-4)
	lo, hi = MeanInterval([]int{7, 5, 6, 7, 4}, 5.8)
	require.InDelta(t, 5.8-1.959963984540054*0.58309518948453, lo, 1e-9)
	require.InDelta(t, 5.8+1.959963984540054*0.58309518948453, hi, 1e-9)
}
