package bounds

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBounds(t *testing.T) {
	for _, ok := range []time.Time{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)} {
		require.Empty(t, Time(ok), ok)
	}
	require.Equal(t, "year 0 is outside 1–9999", Time(time.Time{}.Add(-time.Nanosecond)))
	require.Equal(t, "year 10000 is outside 1–9999", Time(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)))
	require.Empty(t, Number(-math.MaxFloat64))
	require.Contains(t, Number(math.NaN()), "NaN")
	require.Contains(t, Number(math.Inf(-1)), "-Inf")
}
