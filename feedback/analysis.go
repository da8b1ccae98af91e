package feedback

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// ParetoRow is one cause in a Pareto analysis.
type ParetoRow struct {
	// Cause is the cause ranked.
	Cause string `json:"cause"`
	// Count is how many items it caused.
	Count int `json:"count"`
	// Impact is the sum of their impact.
	Impact     float64 `json:"impact"`
	Share      float64 `json:"share"`      // of the total impact
	Cumulative float64 `json:"cumulative"` // share of this cause and all above it
	VitalFew   bool    `json:"vital_few"`  // among the causes making up the first 80%
}

// Pareto ranks causes by impact — the sum of impact(item) over the items
// of each cause, cause(item) — largest first (ties by name), with shares,
// cumulative shares and the vital few: every cause up to and including the
// one whose cumulative share reaches 80%. Use an impact of 1 to count, or
// the severity weight or the customer's value. A nil cause means
// ByCategory, a nil impact Count.
func Pareto(items []Item, cause func(Item) string, impact func(Item) float64) []ParetoRow {
	if cause == nil {
		cause = ByCategory
	}
	if impact == nil {
		impact = Count
	}
	index := map[string]int{}
	var rows []ParetoRow
	total := 0.0
	for i := range items {
		c := cause(items[i])
		k, ok := index[c]
		if !ok {
			k = len(rows)
			index[c] = k
			rows = append(rows, ParetoRow{Cause: c})
		}
		w := impact(items[i])
		rows[k].Count++
		rows[k].Impact += w
		total += w
	}
	slices.SortFunc(rows, func(a, b ParetoRow) int {
		return cmp.Or(cmp.Compare(b.Impact, a.Impact), cmp.Compare(a.Cause, b.Cause))
	})
	cum := 0.0
	for i := range rows {
		if total > 0 {
			rows[i].Share = rows[i].Impact / total
		}
		prev := cum
		cum += rows[i].Share
		rows[i].Cumulative = cum
		rows[i].VitalFew = prev < 0.8-1e-12
	}
	return rows
}

// ByCategory is the cause function that reads an item's category.
func ByCategory(it Item) string { return it.Category }

// Count is the impact function that counts items.
func Count(Item) float64 { return 1 }

// BySeverity is the impact function that weighs items by severity.
func BySeverity(it Item) float64 { return it.Severity.Weight() }

// Percentiles returns the given percentiles (0–100) of durations by the
// nearest-rank method: the smallest value with at least p% of the values
// at or below it.
func Percentiles(ds []time.Duration, ps ...float64) []time.Duration {
	out := make([]time.Duration, len(ps))
	if len(ds) == 0 {
		return out
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	for i, p := range ps {
		k := int(math.Ceil(p/100*float64(len(s)))) - 1
		out[i] = s[min(max(k, 0), len(s)-1)]
	}
	return out
}

// Report summarises how items were handled.
type Report struct {
	// Items and Open count the items, and the open ones.
	Items, Open int
	// FirstResponse and Resolution are the 50th, 90th and 99th percentile
	// business times from arrival (pauses included in neither).
	FirstResponse, Resolution [3]time.Duration
	// SLAAttainment is the share of items that breached nothing.
	SLAAttainment float64
	// ReopenRate is the share of closed items reopened at least once.
	ReopenRate float64
	// Backlog counts open items by age: under a day, 1–3 days, 3–7 days,
	// 1–4 weeks, older.
	Backlog [5]int
}

// Analyze reports on items at now, with business times on cal; a nil cal
// counts every hour, as a desk made with no Calendar does.
func Analyze(items []Item, cal *Calendar, now time.Time) Report {
	if cal == nil {
		cal = allHours()
	}
	var r Report
	var first, resolve []time.Duration
	clean, closed, reopened := 0, 0, 0
	for _, it := range items {
		r.Items++
		if len(it.Breaches) == 0 {
			clean++
		}
		if !it.FirstResponse.IsZero() {
			first = append(first, cal.Between(it.Received, it.FirstResponse))
		}
		if !it.ResolvedAt.IsZero() {
			resolve = append(resolve, cal.Between(it.Received, it.ResolvedAt)-it.Paused)
		}
		if !it.State.Open() || it.Reopens > 0 {
			closed++
			if it.Reopens > 0 {
				reopened++
			}
		}
		if it.State.Open() {
			r.Open++
			age := now.Sub(it.Received)
			switch {
			case age < 24*time.Hour:
				r.Backlog[0]++
			case age < 72*time.Hour:
				r.Backlog[1]++
			case age < 7*24*time.Hour:
				r.Backlog[2]++
			case age < 28*24*time.Hour:
				r.Backlog[3]++
			default:
				r.Backlog[4]++
			}
		}
	}
	copy(r.FirstResponse[:], Percentiles(first, 50, 90, 99))
	copy(r.Resolution[:], Percentiles(resolve, 50, 90, 99))
	if r.Items > 0 {
		r.SLAAttainment = float64(clean) / float64(r.Items)
	}
	if closed > 0 {
		r.ReopenRate = float64(reopened) / float64(closed)
	}
	return r
}

// PeriodCount is a count of items received in a period.
type PeriodCount struct {
	// Start is the period's first day.
	Start time.Time `json:"start"`
	// Count is how many items arrived in it.
	Count int `json:"count"`
}

// TrendPeriod is the period Trend counts by.
type TrendPeriod string

// Trend periods.
const (
	Weekly  TrendPeriod = "week"  // from Monday
	Monthly TrendPeriod = "month" // calendar months
)

// Trend counts items received per period (weeks from Monday, or calendar
// months), in loc (nil: UTC), oldest first. Any other period is counted by
// week.
func Trend(items []Item, period TrendPeriod, loc *time.Location) []PeriodCount {
	monthly := period == Monthly
	if loc == nil {
		loc = time.UTC
	}
	counts := map[time.Time]int{}
	for _, it := range items {
		y, m, d := it.Received.In(loc).Date()
		start := time.Date(y, m, 1, 0, 0, 0, 0, loc)
		if !monthly {
			t := time.Date(y, m, d, 0, 0, 0, 0, loc)
			start = time.Date(y, m, d-(int(t.Weekday())+6)%7, 0, 0, 0, 0, loc)
		}
		counts[start]++
	}
	out := make([]PeriodCount, 0, len(counts))
	for s, c := range counts {
		out = append(out, PeriodCount{s, c})
	}
	slices.SortFunc(out, func(a, b PeriodCount) int { return a.Start.Compare(b.Start) })
	return out
}
