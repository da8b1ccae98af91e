package feedback

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/crmkit/crm"
)

// Shift is working time on one weekday, in minutes after local midnight.
// An End at or before Start runs past midnight into the next day (an
// overnight shift belongs to the day it starts).
type Shift struct {
	// Start is when the shift begins, in minutes after local midnight
	// (0–1439).
	Start int `json:"start"`
	// End is when it ends, in minutes after local midnight (0–1440); at or
	// before Start, the next day.
	End int `json:"end"`
}

// Date is a calendar date.
type Date struct {
	// Year, Month and Day give a local date.
	Year int `json:"year"`
	// Month of the date.
	Month time.Month `json:"month"`
	// Day of the month.
	Day int `json:"day"`
}

// Calendar is a business calendar: a time zone, working shifts per weekday
// (several make split shifts) and holidays, on which no shift starts.
// Every local day is built with time.Date in the calendar's zone, so
// business time is right across daylight-saving changes: a 22:00–06:00
// shift on the night clocks go forward is 7 hours long, and a shift hour
// that does not exist on that night (02:00–03:00 in New York) earns
// nothing.
//
// Between costs the same for any span up to MaxCalendarSpan (whole weeks
// are counted at once; only holidays and daylight-saving changes inside
// the span are looked at day by day), and a Calendar's memory stays
// bounded however many dates it is asked about. Between and Add take no
// context because every call is bounded: the slowest, a span of
// MaxCalendarSpan with a holiday on six days of every week, takes about
// 40 ms on a fresh calendar, and Add looks at most 3,660 days ahead
// (BenchmarkCalendarSlowest; figures in BENCHMARKS.md).
type Calendar struct {
	// Location is the calendar's time zone; nil is UTC.
	Location *time.Location
	Week     [7][]Shift // by time.Weekday
	// Holidays are local dates on which no shift starts.
	Holidays []Date

	once     sync.Once
	holidays map[Date]bool
	holiDays []int64          // the holidays' day numbers, sorted
	nominal  [7]time.Duration // each weekday's shifts, without holidays or clock changes
	week     time.Duration
	mu       sync.Mutex
	days     map[int64][][2]time.Time // memoised shifts covering each day, cleared past maxMemo
	cum      map[int64]time.Duration  // memoised cumulative, cleared past maxMemo
}

// MaxCalendarSpan is the longest span Calendar.Between measures exactly,
// about 273 years: business time over a longer one could pass what a
// time.Duration holds, so Between returns ±math.MaxInt64 (saturated).
const MaxCalendarSpan = 100_000 * 24 * time.Hour

// maxMemo bounds the days a calendar remembers.
const maxMemo = 4096

// Validate checks shifts are within a day, not zero-length, and do not
// overlap one another (an overnight shift included, against the next day's
// shifts): overlapping shifts would count the same hour twice.
func (c *Calendar) Validate() error {
	var errs []error
	work := false
	for d, shifts := range c.Week {
		for i, s := range shifts {
			if s.Start < 0 || s.Start >= 1440 || s.End < 0 || s.End > 1440 || s.Start == s.End {
				errs = append(errs, &crm.FieldError{Field: time.Weekday(d).String(), Problem: fmt.Sprintf("shift %d–%d is not within a day", s.Start, s.End)})
				continue
			}
			work = true
			a0, a1 := s.span()
			for _, o := range shifts[i+1:] {
				if b0, b1 := o.span(); o.Start != o.End && a0 < b1 && b0 < a1 {
					errs = append(errs, &crm.FieldError{Field: time.Weekday(d).String(), Problem: fmt.Sprintf("shifts %d–%d and %d–%d overlap", s.Start, s.End, o.Start, o.End)})
				}
			}
			if a1 > 1440 { // runs into the next day
				next := (d + 1) % 7
				for _, o := range c.Week[next] {
					if o.Start < a1-1440 && o.Start != o.End {
						errs = append(errs, &crm.FieldError{Field: time.Weekday(d).String(),
							Problem: fmt.Sprintf("overnight shift %d–%d overlaps %s's shift %d–%d", s.Start, s.End, time.Weekday(next), o.Start, o.End)})
					}
				}
			}
		}
	}
	if !work {
		errs = append(errs, &crm.FieldError{Field: "week", Problem: "no working time"})
	}
	if len(errs) > 0 {
		return &crm.ValidationError{Package: "feedback", What: "calendar", Problems: errs}
	}
	return nil
}

// span is the shift in minutes from its day's midnight, End past 1440 when
// it runs overnight.
func (s Shift) span() (int, int) {
	if s.End <= s.Start {
		return s.Start, s.End + 1440
	}
	return s.Start, s.End
}

// allHours is the 24/7 UTC calendar: every hour is business time.
func allHours() *Calendar {
	c := &Calendar{}
	for wd := range c.Week {
		c.Week[wd] = []Shift{{0, 0}} // 24 hours, midnight to midnight
	}
	return c
}

// WeekdayCalendar is Monday to Friday, from → to each day (minutes after
// midnight), in loc, with holidays.
func WeekdayCalendar(loc *time.Location, from, to int, holidays ...Date) *Calendar {
	c := &Calendar{Location: loc, Holidays: holidays}
	for d := time.Monday; d <= time.Friday; d++ {
		c.Week[d] = []Shift{{from, to}}
	}
	return c
}

func (c *Calendar) loc() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

// dayNumber counts civil days from 1970-01-01.
func dayNumber(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Unix() / 86400
}

func civil(day int64) (int, time.Month, int) {
	return time.Unix(day*86400+43200, 0).UTC().Date()
}

// setup indexes the holidays and the nominal week, once.
func (c *Calendar) setup() {
	c.once.Do(func() {
		c.holidays = map[Date]bool{}
		for _, h := range c.Holidays {
			if !c.holidays[h] {
				c.holidays[h] = true
				c.holiDays = append(c.holiDays, dayNumber(h.Year, h.Month, h.Day))
			}
		}
		slices.Sort(c.holiDays)
		for wd, shifts := range c.Week {
			for _, s := range shifts {
				a, b := s.span()
				c.nominal[wd] += time.Duration(b-a) * time.Minute
			}
			c.week += c.nominal[wd]
		}
	})
}

// localTime is y-m-d h:min in the calendar's zone. A wall time that does not
// exist (skipped when clocks go forward) becomes the instant of the change,
// so that a shift inside the gap earns nothing.
func (c *Calendar) localTime(y int, m time.Month, d, minutes int) time.Time {
	loc := c.loc()
	t := time.Date(y, m, d, 0, minutes, 0, 0, loc)
	if loc == time.UTC {
		return t
	}
	want := time.Date(y, m, d, 0, minutes, 0, 0, time.UTC)
	wy, wm, wd := want.Date()
	got := t.In(loc)
	gy, gm, gd := got.Date()
	if gy == wy && gm == wm && gd == wd && got.Hour() == want.Hour() && got.Minute() == want.Minute() {
		return t
	}
	// In the gap: snap to the change of zone next to t.
	start, end := t.ZoneBounds()
	wall := time.Date(gy, gm, gd, got.Hour(), got.Minute(), 0, 0, time.UTC)
	if wall.Before(want) && !end.IsZero() {
		return end
	}
	if !start.IsZero() {
		return start
	}
	return t
}

// intervals returns the working intervals of shifts starting on a civil day.
func (c *Calendar) intervals(day int64, buf [][2]time.Time) [][2]time.Time {
	c.setup()
	y, m, d := civil(day)
	if c.holidays[Date{y, m, d}] {
		return buf
	}
	wd := time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Weekday()
	for _, s := range c.Week[wd] {
		a, b := s.span()
		buf = append(buf, [2]time.Time{c.localTime(y, m, d, a), c.localTime(y, m, d, b)})
	}
	return buf
}

func (c *Calendar) dayLength(day int64) time.Duration {
	var buf [8][2]time.Time
	var total time.Duration
	for _, iv := range c.intervals(day, buf[:0]) {
		total += iv[1].Sub(iv[0])
	}
	return total
}

// weekday of a day number (day 0, 1970-01-01, was a Thursday).
func weekday(day int64) int { return int(((day+4)%7 + 7) % 7) }

// sum is the business time of the shifts starting on days x..y−1 (x ≤ y):
// whole weeks at once, then the days left over, then a correction for each
// day a holiday or a change of clocks makes differ from its weekday.
func (c *Calendar) sum(x, y int64) time.Duration {
	c.setup()
	n := y - x
	total := time.Duration(n/7) * c.week
	for k := x + n/7*7; k < y; k++ {
		total += c.nominal[weekday(k)]
	}
	odd := c.oddDays(x, y)
	for _, k := range odd {
		total += c.dayLength(k) - c.nominal[weekday(k)]
	}
	return total
}

// oddDays lists, sorted and once each, the days in x..y−1 that are holidays
// or touch a change of clocks (whose shifts may be longer or shorter than
// their weekday's).
func (c *Calendar) oddDays(x, y int64) []int64 {
	var out []int64
	i, _ := slices.BinarySearch(c.holiDays, x)
	for ; i < len(c.holiDays) && c.holiDays[i] < y; i++ {
		out = append(out, c.holiDays[i])
	}
	loc := c.loc()
	if loc != time.UTC {
		yy, mm, dd := civil(x - 1)
		t := time.Date(yy, mm, dd, 0, 0, 0, 0, loc)
		yy, mm, dd = civil(y + 1)
		stop := time.Date(yy, mm, dd, 0, 0, 0, 0, loc)
		for t.Before(stop) {
			_, end := t.ZoneBounds()
			if end.IsZero() || !end.Before(stop) {
				break
			}
			if !end.After(t) {
				// Past its tables the time package can report a zone
				// period ending before t (the last day of a leap year,
				// such as 2040-12-31 in New York): step over it.
				t = t.Add(time.Hour)
				continue
			}
			ey, em, ed := end.In(loc).Date()
			d := dayNumber(ey, em, ed)
			for k := d - 1; k <= d; k++ { // an overnight shift of the day before
				if k >= x && k < y {
					out = append(out, k)
				}
			}
			t = end
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// within is the business time of the shifts of t's day and the day before
// that lies before t.
func (c *Calendar) within(t time.Time, day int64) time.Duration {
	var pos time.Duration
	for _, iv := range c.day(day) {
		switch {
		case !t.After(iv[0]):
		case t.Before(iv[1]):
			pos += t.Sub(iv[0])
		default:
			pos += iv[1].Sub(iv[0])
		}
	}
	return pos
}

// localDay is t's day number in the calendar's zone.
func (c *Calendar) localDay(t time.Time) int64 {
	y, m, d := t.In(c.loc()).Date()
	return dayNumber(y, m, d)
}

// day returns the memoised shifts that may cover a local day: those
// starting the day before (overnight) and on the day.
func (c *Calendar) day(day int64) [][2]time.Time {
	c.mu.Lock()
	info, ok := c.days[day]
	c.mu.Unlock()
	if ok {
		return info
	}
	// Shifts that started the day before may run into this one.
	info = c.intervals(day, c.intervals(day-1, nil))
	c.mu.Lock()
	if c.days == nil || len(c.days) >= maxMemo {
		c.days = map[int64][][2]time.Time{}
	}
	c.days[day] = info
	c.mu.Unlock()
	return info
}

// epochDay anchors positions: 2020-01-01.
const epochDay = 18262

// maxSpanDays is MaxCalendarSpan in days.
const maxSpanDays = int64(MaxCalendarSpan / (24 * time.Hour))

// cumulative is the business time of the shifts starting from epochDay up
// to day (negative before it), memoised in a bounded table.
func (c *Calendar) cumulative(day int64) time.Duration {
	c.mu.Lock()
	v, ok := c.cum[day]
	c.mu.Unlock()
	if ok {
		return v
	}
	if day >= epochDay {
		v = c.sum(epochDay, day)
	} else {
		v = -c.sum(day, epochDay)
	}
	c.mu.Lock()
	if c.cum == nil || len(c.cum) >= maxMemo {
		c.cum = map[int64]time.Duration{}
	}
	c.cum[day] = v
	c.mu.Unlock()
	return v
}

// position is the business time from the epoch day to t; times more than
// MaxCalendarSpan from it report ±2⁶¹, so that differences cannot
// overflow.
func (c *Calendar) position(t time.Time) time.Duration {
	day := c.localDay(t)
	switch {
	case day-epochDay > maxSpanDays:
		return 1 << 61
	case epochDay-day > maxSpanDays:
		return -1 << 61
	}
	return c.cumulative(day-1) + c.within(t, day)
}

// Between is the business time from a to b (negative when b is before a).
// Spans longer than MaxCalendarSpan, or times more than MaxCalendarSpan
// from 2020, saturate at ±math.MaxInt64.
func (c *Calendar) Between(a, b time.Time) time.Duration {
	pa, pb := c.position(a), c.position(b)
	if d := c.localDay(b) - c.localDay(a); d > maxSpanDays || pb == 1<<61 || pa == -1<<61 {
		return math.MaxInt64
	} else if d < -maxSpanDays || pa == 1<<61 || pb == -1<<61 {
		return math.MinInt64
	}
	return pb - pa
}

// Add returns the instant when d of business time has passed after t; d ≤ 0
// returns t. It gives up after ten years without enough working time and
// returns the zero time.
func (c *Calendar) Add(t time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return t
	}
	y, m, dd := t.In(c.loc()).Date()
	var buf [8][2]time.Time
	for day := dayNumber(y, m, dd) - 1; day < dayNumber(y, m, dd)+3660; day++ {
		for _, iv := range c.intervals(day, buf[:0]) {
			start := iv[0]
			if start.Before(t) {
				start = t
			}
			if !iv[1].After(start) {
				continue
			}
			if avail := iv[1].Sub(start); avail >= d {
				return start.Add(d)
			} else {
				d -= avail
			}
		}
	}
	return time.Time{}
}
