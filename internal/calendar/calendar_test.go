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

// MonthStart is DaysSinceEpoch and DaysIn for every month of the table's
// years, and refuses the years and months outside it.
func TestMonthStart(t *testing.T) {
	for y := FirstTableYear - 2; y < EndTableYear+2; y++ {
		for m := time.Month(0); m <= 13; m++ {
			start, days, ok := MonthStart(y, m)
			in := y >= FirstTableYear && y < EndTableYear && m >= time.January && m <= time.December
			require.Equal(t, in, ok, "%d-%02d", y, m)
			if in {
				require.Equal(t, DaysSinceEpoch(y, m, 1), start, "%d-%02d", y, m)
				require.Equal(t, DaysIn(y, m), days, "%d-%02d", y, m)
			}
		}
	}
}
