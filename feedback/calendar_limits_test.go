package feedback

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// bruteBetween walks every shift of every day between a and b.
func bruteBetween(c *Calendar, a, b time.Time) time.Duration {
	var total time.Duration
	for day := c.localDay(a) - 1; day <= c.localDay(b); day++ {
		for _, iv := range c.intervals(day, nil) {
			s, e := iv[0], iv[1]
			if s.Before(a) {
				s = a
			}
			if e.After(b) {
				e = b
			}
			if e.After(s) {
				total += e.Sub(s)
			}
		}
	}
	return total
}

// Between counts whole weeks at once and corrects only holidays and clock
// changes; it agrees with a day-by-day walk on random spans over years,
// across daylight saving, split and overnight shifts and holidays.
func TestBetweenMatchesDayByDay(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	c := &Calendar{Location: ny, Holidays: []Date{{2025, time.December, 25}, {2026, time.January, 1}, {2027, time.July, 5}, {2019, time.March, 11}}}
	for d := time.Monday; d <= time.Friday; d++ {
		c.Week[d] = []Shift{{8 * 60, 12 * 60}, {13 * 60, 17 * 60}}
	}
	c.Week[time.Saturday] = []Shift{{22 * 60, 60}}
	c.Week[time.Sunday] = []Shift{{60, 150}} // 01:00–02:30, across the spring gap
	require.NoError(t, c.Validate())
	rng := rand.New(rand.NewPCG(5, 6))
	base := time.Date(2018, 6, 1, 0, 0, 0, 0, ny)
	for range 2000 {
		a := base.Add(time.Duration(rng.Int64N(int64(10 * 365 * 24 * time.Hour))))
		b := a.Add(time.Duration(rng.Int64N(int64(3 * 365 * 24 * time.Hour))))
		require.Equal(t, bruteBetween(c, a, b), c.Between(a, b), "%s → %s", a, b)
		require.Equal(t, -bruteBetween(c, a, b), c.Between(b, a))
	}
}

// A deadline in year 9999 costs a few thousand clock changes, not a walk
// of 2.9 million days (3 s, 72 MiB); year 1,000,000 saturates at once; the
// memo stays bounded however many days are asked about.
func TestBetweenFarDatesBounded(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	c := &Calendar{Location: ny}
	for d := time.Monday; d <= time.Friday; d++ {
		c.Week[d] = []Shift{{9 * 60, 17 * 60}}
	}
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, ny)
	got := c.Between(from, time.Date(2224, 1, 1, 0, 0, 0, 0, ny))
	require.Equal(t, bruteBetween(c, from, time.Date(2224, 1, 1, 0, 0, 0, 0, ny)), got)
	require.Equal(t, time.Duration(math.MaxInt64), c.Between(from, time.Date(9999, 12, 31, 0, 0, 0, 0, ny)))
	require.Equal(t, time.Duration(math.MaxInt64), c.Between(from, time.Date(1_000_000, 1, 1, 0, 0, 0, 0, ny)))
	require.Equal(t, time.Duration(math.MinInt64), c.Between(time.Date(1_000_000, 1, 1, 0, 0, 0, 0, ny), from))
	require.Equal(t, time.Duration(math.MinInt64), c.Between(from, time.Date(1, 1, 1, 0, 0, 0, 0, ny)))
	for i := range maxMemo + 500 {
		c.Between(from, from.AddDate(0, 0, i))
	}
	require.LessOrEqual(t, len(c.days), maxMemo)
	require.LessOrEqual(t, len(c.cum), maxMemo)
}

// Overlapping shifts would count an hour twice: refused. A shift inside
// the hour skipped when clocks go forward earns nothing.
func TestCalendarOverlapsAndSpringGap(t *testing.T) {
	c := &Calendar{}
	c.Week[time.Monday] = []Shift{{8 * 60, 16 * 60}, {14 * 60, 18 * 60}}
	c.Week[time.Tuesday] = []Shift{{22 * 60, 6 * 60}}
	c.Week[time.Wednesday] = []Shift{{5 * 60, 13 * 60}}
	err := c.Validate()
	require.ErrorContains(t, err, "Monday: shifts 480–960 and 840–1080 overlap")
	require.ErrorContains(t, err, "Tuesday: overnight shift 1320–360 overlaps Wednesday's shift 300–780")

	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	gap := &Calendar{Location: ny}
	gap.Week[time.Sunday] = []Shift{{2*60 + 15, 2*60 + 45}}
	sunday := time.Date(2025, 3, 9, 0, 0, 0, 0, ny) // clocks go 02:00 → 03:00
	require.Equal(t, time.Duration(0), gap.Between(sunday, sunday.Add(24*time.Hour)))
	require.Equal(t, 30*time.Minute, gap.Between(sunday.AddDate(0, 0, -7), sunday.AddDate(0, 0, -6)))
	across := &Calendar{Location: ny}
	across.Week[time.Sunday] = []Shift{{90, 3*60 + 30}} // 01:30–03:30 local: 01:30–02:00 EST, 03:00–03:30 EDT
	require.Equal(t, time.Hour, across.Between(sunday, sunday.Add(24*time.Hour)))
}

// BenchmarkBetweenFarDates: a 200-year span in New York, where every
// clock change inside it is looked at (a fresh calendar each time, so
// nothing is remembered).
func BenchmarkBetweenFarDates(b *testing.B) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		b.Fatal(err)
	}
	from, to := time.Date(2025, 1, 1, 0, 0, 0, 0, ny), time.Date(2224, 1, 1, 0, 0, 0, 0, ny)
	for b.Loop() {
		c := WeekdayCalendar(ny, 9*60, 17*60)
		if c.Between(from, to) <= 0 {
			b.Fatal("no business time")
		}
	}
}

// BenchmarkCalendarSlowest: the slowest calls a calendar allows, which is
// why Between and Add take no context. Between spans MaxCalendarSpan in
// New York with a holiday on every day but Sundays (every day is then
// looked at); Add looks 3,660 days ahead and finds too little time.
func BenchmarkCalendarSlowest(b *testing.B) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(1800, 1, 1, 0, 0, 0, 0, ny)
	c := WeekdayCalendar(ny, 9*60, 17*60)
	c.Week[time.Sunday] = []Shift{{60, 180}, {22 * 60, 23 * 60}}
	for d := start; d.Year() < 2075; d = d.AddDate(0, 0, 1) {
		if d.Weekday() != time.Sunday {
			c.Holidays = append(c.Holidays, Date{d.Year(), d.Month(), d.Day()})
		}
	}
	b.Run("Between", func(b *testing.B) {
		for b.Loop() {
			fresh := &Calendar{Location: c.Location, Week: c.Week, Holidays: c.Holidays}
			if fresh.Between(start, start.Add(MaxCalendarSpan-time.Hour)) <= 0 {
				b.Fatal("no business time")
			}
		}
	})
	b.Run("Add", func(b *testing.B) {
		for b.Loop() {
			fresh := &Calendar{Location: c.Location, Week: c.Week, Holidays: c.Holidays}
			if !fresh.Add(start, 3000*time.Hour).IsZero() {
				b.Fatal("found 3,000 hours in ten years of three-hour weeks")
			}
		}
	})
}
