package feedback

import (
	"fmt"
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
// shift on the night clocks go forward is 7 hours long.
type Calendar struct {
	// Location is the calendar's time zone; nil is UTC.
	Location *time.Location
	Week     [7][]Shift // by time.Weekday
	// Holidays are local dates on which no shift starts.
	Holidays []Date

	once     sync.Once
	holidays map[Date]bool
	mu       sync.Mutex
	cum      map[int64]time.Duration // day number → business time from the epoch day to that day's start
	days     map[int64]dayInfo       // memoised position data per day
}

// dayInfo is what position needs for one local day: the business time
// before the previous day began and the shifts of the previous day and
// this one.
type dayInfo struct {
	before time.Duration
	ivs    [][2]time.Time
}

// Validate checks shifts are within a day and not zero-length.
func (c *Calendar) Validate() error {
	var errs []error
	work := false
	for d, shifts := range c.Week {
		for _, s := range shifts {
			if s.Start < 0 || s.Start >= 1440 || s.End < 0 || s.End > 1440 || s.Start == s.End {
				errs = append(errs, &crm.FieldError{Field: time.Weekday(d).String(), Problem: fmt.Sprintf("shift %d–%d is not within a day", s.Start, s.End)})
			}
			work = true
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

// intervals returns the working intervals of shifts starting on a civil day.
func (c *Calendar) intervals(day int64, buf [][2]time.Time) [][2]time.Time {
	c.once.Do(func() {
		c.holidays = map[Date]bool{}
		for _, h := range c.Holidays {
			c.holidays[h] = true
		}
	})
	y, m, d := civil(day)
	if c.holidays[Date{y, m, d}] {
		return buf
	}
	loc := c.loc()
	wd := time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Weekday()
	for _, s := range c.Week[wd] {
		start := time.Date(y, m, d, s.Start/60, s.Start%60, 0, 0, loc)
		ed := d
		if s.End <= s.Start {
			ed++
		}
		end := time.Date(y, m, ed, s.End/60, s.End%60, 0, 0, loc)
		buf = append(buf, [2]time.Time{start, end})
	}
	return buf
}

func (c *Calendar) dayLength(day int64) time.Duration {
	var buf [4][2]time.Time
	var total time.Duration
	for _, iv := range c.intervals(day, buf[:0]) {
		total += iv[1].Sub(iv[0])
	}
	return total
}

// epochDay anchors the cumulative table.
const epochDay = 18262 // 2020-01-01

// cumulative is the business time from the start of epochDay to the start
// of day, memoised.
func (c *Calendar) cumulative(day int64) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cum == nil {
		c.cum = map[int64]time.Duration{epochDay: 0}
	}
	if v, ok := c.cum[day]; ok {
		return v
	}
	// Walk from the nearest known day.
	nearest, best := int64(epochDay), int64(1<<62)
	for k := range c.cum {
		if dist := abs64(k - day); dist < best {
			nearest, best = k, dist
			if dist <= 1 {
				break
			}
		}
	}
	v := c.cum[nearest]
	for k := nearest; k < day; k++ {
		v += c.dayLength(k)
		c.cum[k+1] = v
	}
	for k := nearest; k > day; k-- {
		v -= c.dayLength(k - 1)
		c.cum[k-1] = v
	}
	return v
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// position is the business time from the epoch to t.
func (c *Calendar) position(t time.Time) time.Duration {
	y, m, d := t.In(c.loc()).Date()
	day := dayNumber(y, m, d)
	info := c.day(day)
	pos := info.before
	for _, iv := range info.ivs {
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

// day returns the memoised position data of a day.
func (c *Calendar) day(day int64) dayInfo {
	c.mu.Lock()
	info, ok := c.days[day]
	c.mu.Unlock()
	if ok {
		return info
	}
	// Shifts that started the day before may run into this one.
	info = dayInfo{before: c.cumulative(day - 1), ivs: c.intervals(day, c.intervals(day-1, nil))}
	c.mu.Lock()
	if c.days == nil {
		c.days = map[int64]dayInfo{}
	}
	c.days[day] = info
	c.mu.Unlock()
	return info
}

// Between is the business time from a to b (negative when b is before a).
func (c *Calendar) Between(a, b time.Time) time.Duration {
	return c.position(b) - c.position(a)
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
