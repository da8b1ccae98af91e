package feedback_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/feedback"
)

func TestCalendarHolidayAndSplitShifts(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	// Mon–Fri 8:00–12:00 and 13:00–17:00; Easter Monday 2025 (21 April) off.
	c := &feedback.Calendar{Location: berlin, Holidays: []feedback.Date{{Year: 2025, Month: time.April, Day: 21}}}
	for d := time.Monday; d <= time.Friday; d++ {
		c.Week[d] = []feedback.Shift{{Start: 8 * 60, End: 12 * 60}, {Start: 13 * 60, End: 17 * 60}}
	}
	require.NoError(t, c.Validate())
	at := func(m time.Month, d, h, min int) time.Time { return time.Date(2025, m, d, h, min, 0, 0, berlin) }
	// Friday 16:00 + 4 business hours: 1 hour on Friday, Monday is a
	// holiday, then Tuesday 8:00–11:00.
	require.Equal(t, at(time.April, 22, 11, 0), c.Add(at(time.April, 18, 16, 0), 4*time.Hour))
	// Lunch does not count.
	require.Equal(t, at(time.April, 23, 14, 0), c.Add(at(time.April, 23, 11, 0), 2*time.Hour))
	require.Equal(t, 2*time.Hour, c.Between(at(time.April, 23, 11, 0), at(time.April, 23, 14, 0)))
	require.Equal(t, 5*time.Hour, c.Between(at(time.April, 18, 16, 0), at(time.April, 22, 12, 0)))
	require.Equal(t, -5*time.Hour, c.Between(at(time.April, 22, 12, 0), at(time.April, 18, 16, 0)))
	// Starting outside working time waits for the next shift.
	require.Equal(t, at(time.April, 22, 9, 0), c.Add(at(time.April, 19, 10, 0), time.Hour), "Saturday, then Easter Monday")
}

func TestCalendarAcrossDSTAndOvernightShifts(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	// A night desk, every day 22:00–06:00. Clocks go forward at 2:00 on
	// Sunday 9 March 2025: that night's shift is 7 hours, not 8.
	c := &feedback.Calendar{Location: ny}
	for d := range c.Week {
		c.Week[d] = []feedback.Shift{{Start: 22 * 60, End: 6 * 60}}
	}
	at := func(d, h int) time.Time { return time.Date(2025, 3, d, h, 0, 0, 0, ny) }
	require.Equal(t, 7*time.Hour, c.Between(at(8, 22), at(9, 6)))
	require.Equal(t, 8*time.Hour, c.Between(at(7, 22), at(8, 6)))
	// 10 business hours from Saturday 22:00: 7 in the short night, then 3
	// from Sunday 22:00 → Monday 01:00 local.
	require.Equal(t, at(10, 1), c.Add(at(8, 22), 10*time.Hour))
	// In November the night the clocks go back is 9 hours long.
	require.Equal(t, 9*time.Hour, c.Between(time.Date(2025, 11, 1, 22, 0, 0, 0, ny), time.Date(2025, 11, 2, 6, 0, 0, 0, ny)))
	// A day desk over the DST weekend: Friday 15:00 + 4 hours is Monday
	// 11:00 local (9:00–17:00), whatever the offset change.
	day := feedback.WeekdayCalendar(ny, 9*60, 17*60)
	require.Equal(t, at(10, 11), day.Add(at(7, 15), 4*time.Hour))
	require.Equal(t, 4*time.Hour, day.Between(at(7, 15), at(10, 11)))

	bad := &feedback.Calendar{}
	bad.Week[time.Monday] = []feedback.Shift{{Start: 600, End: 600}, {Start: -1, End: 2000}}
	require.ErrorContains(t, bad.Validate(), "Monday: shift 600–600 is not within a day")
	require.ErrorContains(t, (&feedback.Calendar{}).Validate(), "no working time")
}
