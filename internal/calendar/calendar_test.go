package calendar

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Both agree with time.Date on every month of years 0–9999.
func TestAgreesWithTimeDate(t *testing.T) {
	for y := range 10000 {
		for m := time.January; m <= time.December; m++ {
			require.Equal(t, time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day(), DaysIn(y, m), "%d-%02d", y, m)
			for _, d := range []int{1, DaysIn(y, m)} {
				require.Equal(t, time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()/86400, DaysSinceEpoch(y, m, d), "%d-%02d-%02d", y, m, d)
			}
		}
	}
}
