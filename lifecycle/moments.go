package lifecycle

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/internal/calendar"
)

// Offset is a calendar offset.
type Offset struct {
	// Years, Months and Days are added to the anchor's local date in that
	// order.
	Years int `json:"years,omitempty"`
	// Months are added after the years, clamped to the month's last day.
	Months int `json:"months,omitempty"`
	// Days are added last.
	Days int `json:"days,omitempty"`
}

func (o Offset) isZero() bool { return o == Offset{} }

func (o Offset) times(k int) Offset { return Offset{o.Years * k, o.Months * k, o.Days * k} }

// String writes the offset as 1y, 12m, 2y6m, 30d.
func (o Offset) String() string {
	var b []byte
	for _, p := range []struct {
		n    int
		unit byte
	}{{o.Years, 'y'}, {o.Months, 'm'}, {o.Days, 'd'}} {
		if p.n != 0 {
			b = append(strconv.AppendInt(b, int64(p.n), 10), p.unit)
		}
	}
	if len(b) == 0 {
		return "0d"
	}
	return string(b)
}

// addDate adds an offset to a calendar date with the month-end rule: years
// and months first, and when the day does not exist in the month reached
// (31 January plus one month) the month's last day is used; then days.
func addDate(y int, m time.Month, d int, o Offset) (int, time.Month, int) {
	months := int(m) - 1 + o.Months + 12*(y+o.Years) // offsets are positive
	y, m = months/12, time.Month(months%12+1)
	if last := calendar.DaysIn(y, m); d > last {
		d = last
	}
	if o.Days == 0 {
		return y, m, d
	}
	t := time.Date(y, m, d+o.Days, 0, 0, 0, 0, time.UTC)
	return t.Year(), t.Month(), t.Day()
}

// MomentKind is how a moment falls due.
type MomentKind string

// Moment kinds.
const (
	// Once: After the anchor (a warranty expiring 2 years after purchase).
	Once MomentKind = "once"
	// Every: every After from the anchor (a financing anniversary every
	// year). Occurrence k is anchor + k·After, always counted from the
	// anchor, so monthly from 31 January gives 28 February, 31 March, 30
	// April.
	Every MomentKind = "every"
	// UsageOrTime: After the anchor or when Usage has been used since it,
	// whichever comes first (a service at 12,000 miles or 12 months, the
	// anchor being the last service). Usage is projected from the
	// subject's readings of a cumulative counter; a projection more than
	// about 146 years off (usage so slow it never comes first) is ignored.
	UsageOrTime MomentKind = "usage_or_time"
	// Yearly: every year on Month/Day (a September intake, June
	// graduation); no anchor needed.
	Yearly MomentKind = "yearly"
)

// Moment is a time- or usage-triggered occasion to contact a customer.
// Moments fall due at Hour o'clock (default 9) on their day, in the
// customer's time zone.
type Moment struct {
	reasons [2]string // set by Due: the time and usage reasons, computed once

	// Name names the moment ("service due").
	Name string `json:"name"`
	// Kind is how it falls due: once, every, usage or time, or yearly.
	Kind   MomentKind `json:"kind"`
	Anchor string     `json:"anchor,omitempty"` // the subject's anchor date it counts from
	// After is the time from the anchor (once, usage_or_time) or between
	// occurrences (every).
	After Offset `json:"after,omitempty"`
	// Usage is the reading at which a usage_or_time moment falls due, if
	// before the time.
	Usage float64 `json:"usage,omitempty"`
	Unit  string  `json:"unit,omitempty"` // of Usage, for reasons ("miles")
	// Month and Day give a yearly moment's date.
	Month time.Month `json:"month,omitempty"`
	// Day is a yearly moment's day of the month.
	Day int `json:"day,omitempty"`
	// Hour is the local hour at which the moment falls due.
	Hour int `json:"hour,omitempty"`
}

// Validate reports every problem with the moment.
func (m Moment) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &crm.FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if m.Name == "" {
		bad("name", "empty")
	}
	if m.Hour < 0 || m.Hour > 23 {
		bad("hour", "%d is outside 0..23", m.Hour)
	}
	switch m.Kind {
	case Once, Every, UsageOrTime:
		if m.Anchor == "" {
			bad("anchor", "a %s moment counts from an anchor", m.Kind)
		}
		if m.After.isZero() || m.After.Years < 0 || m.After.Months < 0 || m.After.Days < 0 {
			bad("after", "%s must be positive", m.After)
		}
		if m.Kind == UsageOrTime && !(m.Usage > 0) {
			bad("usage", "%v must be positive", m.Usage)
		}
	case Yearly:
		if m.Month < time.January || m.Month > time.December || m.Day < 1 || m.Day > 31 {
			bad("month/day", "%v %d is not a date", m.Month, m.Day)
		}
	default:
		bad("kind", "%q is not once, every, usage_or_time or yearly", m.Kind)
	}
	if len(errs) > 0 {
		return &crm.ValidationError{Package: "lifecycle", What: fmt.Sprintf("moment %q", m.Name), Problems: errs}
	}
	return nil
}

// Reading is one reading of a cumulative usage counter, such as an
// odometer.
type Reading struct {
	// At is when the reading was taken.
	At time.Time `json:"at"`
	// Value is the usage read (the odometer, say).
	Value float64 `json:"value"`
}

// Subject is what moments are computed from for one customer.
type Subject struct {
	// CustomerID is the customer.
	CustomerID string
	Location   *time.Location // nil: UTC
	// Anchors are the dates moments count from, by name ("purchase",
	// "warranty_start").
	Anchors  map[string]time.Time
	Readings []Reading // by time
}

// Occurrence is a moment falling due for a customer.
type Occurrence struct {
	// CustomerID is the customer it falls due for.
	CustomerID string `json:"customer_id"`
	// Moment is the moment's name.
	Moment string `json:"moment"`
	// Due is when, in the customer's time zone.
	Due     time.Time `json:"due"`
	ByUsage bool      `json:"by_usage,omitempty"` // usage came first
	// Reason says why, in words.
	Reason string `json:"reason"`
}

// reason says why a time-triggered occurrence is due.
func (m Moment) reason() string {
	if m.reasons[0] != "" {
		return m.reasons[0]
	}
	switch m.Kind {
	case Yearly:
		return "every year on " + m.Month.String() + " " + strconv.Itoa(m.Day)
	case Every:
		return "every " + m.After.String() + " from " + m.Anchor
	}
	return m.After.String() + " after " + m.Anchor
}

func (m Moment) usageReason() string {
	if m.reasons[1] != "" {
		return m.reasons[1]
	}
	return strconv.FormatFloat(m.Usage, 'g', -1, 64) + " " + m.Unit + " since " + m.Anchor + " (projected from readings)"
}

func (m Moment) hour() int {
	if m.Hour == 0 {
		return 9
	}
	return m.Hour
}

// at is the moment's due instant on a local date.
func (m Moment) at(y int, mo time.Month, d int, loc *time.Location) time.Time {
	return time.Date(y, mo, d, m.hour(), 0, 0, 0, loc)
}

// Due lists the moment's occurrences for the subject with from ≤ Due < to.
// A subject without the moment's anchor has none.
func (m Moment) Due(s Subject, from, to time.Time) []Occurrence {
	return m.appendDue(nil, s, from, to)
}

func (m Moment) appendDue(out []Occurrence, s Subject, from, to time.Time) []Occurrence {
	loc := s.Location
	if loc == nil {
		loc = time.UTC
	}
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	if m.Kind == Yearly {
		fy, ty := from.In(loc).Year(), to.In(loc).Year()
		for y := fy - 1; y <= ty; y++ {
			d := min(m.Day, calendar.DaysIn(y, m.Month))
			if t := m.at(y, m.Month, d, loc); in(t) {
				out = append(out, Occurrence{CustomerID: s.CustomerID, Moment: m.Name, Due: t, Reason: m.reason()})
			}
		}
		return out
	}
	anchor, ok := s.Anchors[m.Anchor]
	if !ok {
		return out
	}
	ay, am, ad := anchor.In(loc).Date()
	due := func(k int) time.Time {
		y, mo, d := addDate(ay, am, ad, m.After.times(k))
		return m.at(y, mo, d, loc)
	}
	switch m.Kind {
	case Once:
		if t := due(1); in(t) {
			out = append(out, Occurrence{CustomerID: s.CustomerID, Moment: m.Name, Due: t, Reason: m.reason()})
		}
	case Every:
		// Occurrences count from the anchor, so the search may start just
		// before from: k0 periods of at least the offset's shortest
		// length cannot reach it.
		for k := m.firstK(anchor, from); ; k++ {
			t := due(k)
			if !t.Before(to) {
				break
			}
			if in(t) {
				out = append(out, Occurrence{CustomerID: s.CustomerID, Moment: m.Name, Due: t, Reason: m.reason()})
			}
		}
	case UsageOrTime:
		t := due(1)
		reason := m.reason()
		byUsage := false
		if ut, ok := usageDue(s.Readings, anchor, m.Usage); ok {
			uy, um, ud := ut.In(loc).Date()
			if u := m.at(uy, um, ud, loc); u.Before(t) {
				t, byUsage = u, true
				reason = m.usageReason()
			}
		}
		if in(t) {
			out = append(out, Occurrence{CustomerID: s.CustomerID, Moment: m.Name, Due: t, ByUsage: byUsage, Reason: reason})
		}
	}
	return out
}

// firstK is a k whose occurrence falls before from (or 1): a lower bound
// from the offset's shortest possible length (28-day months, 365-day
// years), less one for safety.
func (m Moment) firstK(anchor, from time.Time) int {
	minDays := 365*m.After.Years + 28*m.After.Months + m.After.Days
	if minDays <= 0 || !from.After(anchor) {
		return 1
	}
	elapsed := int(from.Sub(anchor).Hours() / 24)
	maxDays := 366*m.After.Years + 31*m.After.Months + m.After.Days
	return max(1, elapsed/maxDays-1)
}

// usageDue is when usage since the anchor reaches limit: the interpolated
// crossing when the readings already passed it, else a linear projection
// of the usage rate since the anchor. It reports false when there is no
// usable rate.
func usageDue(readings []Reading, anchor time.Time, limit float64) (time.Time, bool) {
	if len(readings) < 2 {
		return time.Time{}, false
	}
	// The counter at the anchor: the first reading if the anchor precedes
	// them all, else interpolated between the readings around it.
	base := readings[0]
	for i := 1; i < len(readings) && !readings[i-1].At.After(anchor); i++ {
		a, b := readings[i-1], readings[i]
		base = a
		if b.At.After(anchor) && b.At.After(a.At) {
			f := float64(anchor.Sub(a.At)) / float64(b.At.Sub(a.At))
			base = Reading{At: anchor, Value: a.Value + f*(b.Value-a.Value)}
		}
	}
	target := base.Value + limit
	prev := base
	for _, r := range readings {
		if !r.At.After(base.At) {
			continue
		}
		if r.Value >= target && r.Value > prev.Value {
			f := (target - prev.Value) / (r.Value - prev.Value)
			return addNanos(prev.At, f*nanosBetween(prev.At, r.At))
		}
		prev = r
	}
	last := readings[len(readings)-1]
	if !last.At.After(base.At) || !(last.Value > base.Value) {
		return time.Time{}, false
	}
	rate := (last.Value - base.Value) / nanosBetween(base.At, last.At) // per nanosecond
	return addNanos(last.At, (target-last.Value)/rate)
}

// nanosBetween is b − a in nanoseconds as a float, exact to the
// microsecond however far apart they are (time.Time.Sub stops at 292
// years).
func nanosBetween(a, b time.Time) float64 {
	return float64(b.Unix()-a.Unix())*1e9 + float64(b.Nanosecond()-a.Nanosecond())
}

// addNanos is t plus ns nanoseconds, and false when that is not a time a
// reminder can fall due at: NaN, or more than about 146 years away (a
// usage projection so slow never comes before the time-based date).
func addNanos(t time.Time, ns float64) (time.Time, bool) {
	if !(math.Abs(ns) < 1<<62) {
		return time.Time{}, false
	}
	return t.Add(time.Duration(ns)), true
}

// Due lists every moment falling due for every subject with from ≤ Due <
// to, by due time; occurrences due at the same time keep the order of the
// subjects and then of the moments (customer order, when the subjects come
// from a store).
func Due(ctx context.Context, moments []Moment, subjects iter.Seq2[Subject, error], from, to time.Time) ([]Occurrence, error) {
	var errs []error
	for _, m := range moments {
		if err := m.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, &crm.ValidationError{Package: "lifecycle", What: "moments", Problems: errs}
	}
	moments = slices.Clone(moments)
	for i := range moments {
		moments[i].reasons = [2]string{moments[i].reason(), moments[i].usageReason()}
	}
	// Occurrences collect in chunks, copied once: growing one slice of a
	// million would copy and fault in memory over and over.
	var chunks [][]Occurrence
	chunk := make([]Occurrence, 0, 1<<14)
	for s, err := range crm.WithContext(ctx, subjects) {
		if err != nil {
			return nil, err
		}
		for _, m := range moments {
			chunk = m.appendDue(chunk, s, from, to)
		}
		if len(chunk) >= 1<<14 {
			chunks = append(chunks, chunk)
			chunk = make([]Occurrence, 0, 1<<14)
		}
	}
	chunks = append(chunks, chunk)
	// A counting sort on the due times, which are few (moments fall due
	// at set hours): stable, linear, and one copy into place. The key is
	// seconds and nanoseconds, which order every time (UnixNano wraps
	// after 2262).
	counts := map[dueKey]int{}
	for _, c := range chunks {
		for i := range c {
			counts[keyOf(c[i].Due)]++
		}
	}
	dues := make([]dueKey, 0, len(counts))
	for d := range counts {
		dues = append(dues, d)
	}
	slices.SortFunc(dues, func(a, b dueKey) int {
		return cmp.Or(cmp.Compare(a.sec, b.sec), cmp.Compare(a.nsec, b.nsec))
	})
	next := make(map[dueKey]int, len(dues))
	pos := 0
	for _, d := range dues {
		next[d] = pos
		pos += counts[d]
	}
	out := make([]Occurrence, pos)
	for _, c := range chunks {
		for i := range c {
			d := keyOf(c[i].Due)
			out[next[d]] = c[i]
			next[d]++
		}
	}
	return out, nil
}

type dueKey struct {
	sec  int64
	nsec int32
}

func keyOf(t time.Time) dueKey { return dueKey{t.Unix(), int32(t.Nanosecond())} }
