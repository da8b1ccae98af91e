package lifecycle

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/crmkit/crm"
)

// CohortPeriod is the length of a cohort period.
type CohortPeriod string

// Cohort periods.
const (
	Weekly  CohortPeriod = "week"  // weeks start on Monday
	Monthly CohortPeriod = "month" // calendar months
)

// Cohort is the customers acquired in one period and what they did in each
// period since: index 0 is the acquisition period itself.
type Cohort struct {
	// Start is the first day of the cohort's acquisition period.
	Start time.Time `json:"start"`
	// Customers counts the customers whose first purchase fell in it.
	Customers int `json:"customers"`
	// Retained[k] counts the cohort's customers with a purchase in period
	// k; Revenue[k] is the cohort's spend then, net of refunds.
	Retained []int `json:"retained"`
	// Revenue is the cohort's spend in each period, net of refunds.
	Revenue []float64 `json:"revenue"`
}

// RetentionRate is Retained[k] / Customers.
func (c Cohort) RetentionRate(k int) float64 {
	if c.Customers == 0 || k >= len(c.Retained) {
		return 0
	}
	return float64(c.Retained[k]) / float64(c.Customers)
}

// RevenueRetention is Revenue[k] / Revenue[0]: revenue kept relative to
// the acquisition period.
func (c Cohort) RevenueRetention(k int) float64 {
	if len(c.Revenue) == 0 || c.Revenue[0] == 0 || k >= len(c.Revenue) {
		return 0
	}
	return c.Revenue[k] / c.Revenue[0]
}

// CohortTable is the retention table, oldest cohort first. Each cohort has
// one entry per period from its acquisition up to the one holding asOf.
type CohortTable struct {
	// Period is the cohorts' length: a week or a month.
	Period CohortPeriod `json:"period"`
	// Cohorts are the cohorts, oldest first.
	Cohorts []Cohort `json:"cohorts"`
}

// Cohorts builds the retention table of the transactions up to asOf by
// acquisition period (the period of a customer's first purchase), with
// periods in loc (UTC when nil). The stream may come in any order; memory
// grows with customers and periods, not transactions.
func Cohorts(ctx context.Context, txs iter.Seq2[crm.Transaction, error], asOf time.Time, period CohortPeriod, loc *time.Location) (*CohortTable, error) {
	if period != Weekly && period != Monthly {
		return nil, fmt.Errorf("lifecycle: cohorts: period %q is not week or month: %w", period, crm.ErrInvalid)
	}
	if loc == nil {
		loc = time.UTC
	}
	index := func(t time.Time) int64 {
		y, m, d := t.In(loc).Date()
		if period == Monthly {
			return int64(y)*12 + int64(m) - 1
		}
		days := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
		return floorDiv(days+3, 7) // 1970-01-01 was a Thursday; weeks from Monday
	}
	type activity struct {
		first   int64
		periods map[int64]float64 // period → net spend; purchase periods have an entry
		bought  map[int64]bool
	}
	customers := map[string]*activity{}
	for tx, err := range crm.WithContext(ctx, txs) {
		if err != nil {
			return nil, err
		}
		if tx.Time.After(asOf) {
			continue
		}
		a := customers[tx.CustomerID]
		if a == nil {
			a = &activity{first: 1 << 62, periods: map[int64]float64{}, bought: map[int64]bool{}}
			customers[tx.CustomerID] = a
		}
		k := index(tx.Time)
		a.periods[k] += tx.SignedAmount().InexactFloat64()
		if tx.Kind != crm.Refund {
			a.bought[k] = true
			a.first = min(a.first, k)
		}
	}
	last := index(asOf)
	byStart := map[int64]*Cohort{}
	for _, a := range customers {
		if a.first == 1<<62 {
			continue // refunds only
		}
		c := byStart[a.first]
		if c == nil {
			size := int(last-a.first) + 1
			c = &Cohort{Start: periodStart(a.first, period, loc), Retained: make([]int, size), Revenue: make([]float64, size)}
			byStart[a.first] = c
		}
		c.Customers++
		for k, spend := range a.periods {
			if k < a.first || k > last {
				continue
			}
			c.Revenue[k-a.first] += spend
			if a.bought[k] {
				c.Retained[k-a.first]++
			}
		}
	}
	t := &CohortTable{Period: period}
	for _, c := range byStart {
		t.Cohorts = append(t.Cohorts, *c)
	}
	slices.SortFunc(t.Cohorts, func(a, b Cohort) int { return a.Start.Compare(b.Start) })
	return t, nil
}

func periodStart(k int64, period CohortPeriod, loc *time.Location) time.Time {
	if period == Monthly {
		return time.Date(int(k/12), time.Month(k%12)+1, 1, 0, 0, 0, 0, loc)
	}
	days := k*7 - 3 // Monday of week k
	d := time.Unix(days*86400, 0).UTC()
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
