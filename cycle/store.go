package cycle

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"
	"time"

	"github.com/crmkit/crm"
)

// Result is what one run of the loop found about one customer at its
// observation time: the figures a host shows on the customer's page or
// acts on.
type Result struct {
	// CustomerID is the customer.
	CustomerID string `json:"customer_id"`
	// AsOf is the run's observation time.
	AsOf time.Time `json:"as_of"`
	// Stage is the lifecycle stage the policy gave ("" when no stage
	// rule matched).
	Stage string `json:"stage,omitempty"`
	// Buyer says the customer had bought before AsOf; the value fields
	// below are read only then.
	Buyer bool `json:"buyer"`
	// Tier is the value tier (Platinum, Gold, …) by CLV.
	Tier string `json:"tier,omitempty"`
	// CLV is the customer's lifetime value over the run's horizon,
	// rounded to the currency's cents.
	CLV crm.Money `json:"clv"`
	// ExpectedPurchases over the horizon and ExpectedSpend per purchase,
	// unrounded, as the models give them.
	ExpectedPurchases float64 `json:"expected_purchases"`
	// ExpectedSpend is the expected spend per purchase.
	ExpectedSpend float64 `json:"expected_spend"`
	// PAlive is the probability the customer is still active.
	PAlive float64 `json:"p_alive"`
	// RFMCell is the RFM cell ("545") and RFMSegment its name in
	// scoring.RFMSegments ("Champions").
	RFMCell string `json:"rfm_cell,omitempty"`
	// RFMSegment is the RFM cell's named segment.
	RFMSegment string `json:"rfm_segment,omitempty"`
	// Churn is "absolute", "relative", "warning" or "" (none).
	Churn string `json:"churn,omitempty"`
	// AtStake is the CLV at stake when the customer churns (set with
	// Churn "absolute" or "relative").
	AtStake crm.Money `json:"at_stake"`
}

// Equal reports whether r and o hold the same result (amounts compared
// as numbers, times as instants).
func (r Result) Equal(o Result) bool {
	return r.CustomerID == o.CustomerID && r.AsOf.Equal(o.AsOf) && r.Stage == o.Stage && r.Buyer == o.Buyer &&
		r.Tier == o.Tier && moneyEqual(r.CLV, o.CLV) && r.ExpectedPurchases == o.ExpectedPurchases &&
		r.ExpectedSpend == o.ExpectedSpend && r.PAlive == o.PAlive && r.RFMCell == o.RFMCell &&
		r.RFMSegment == o.RFMSegment && r.Churn == o.Churn && moneyEqual(r.AtStake, o.AtStake)
}

func moneyEqual(a, b crm.Money) bool { return a.Currency == b.Currency && a.Amount.Equal(b.Amount) }

// ResultStore keeps the per-customer results of every run, an append-only
// log keyed by customer and observation time. It persists and decides
// nothing. A host implements it on its own database and proves it with
// cycletest.TestResultStore. Implementations must be safe for concurrent
// use.
type ResultStore interface {
	// AppendResults stores the batch atomically: every result or none.
	// A result already stored (same customer and AsOf, Equal content) is
	// a no-op; the same key with other content is crm.ErrExists.
	AppendResults(ctx context.Context, rs ...Result) error
	// Result returns the customer's result of the run at asOf, or an
	// error matching crm.ErrNotFound.
	Result(ctx context.Context, customerID string, asOf time.Time) (Result, error)
	// ResultsAt streams the results of the run at asOf by customer ID;
	// none when there was no such run.
	ResultsAt(ctx context.Context, asOf time.Time) iter.Seq2[Result, error]
	// CustomerResults streams one customer's results, oldest run first;
	// none for an unknown customer.
	CustomerResults(ctx context.Context, customerID string) iter.Seq2[Result, error]
}

// PeriodStore keeps each run's period metrics, an append-only log keyed
// by observation time. It persists and decides nothing. A host implements
// it on its own database and proves it with cycletest.TestPeriodStore.
// Implementations must be safe for concurrent use.
type PeriodStore interface {
	// AppendPeriods stores the batch atomically. A period already stored
	// (same AsOf, Equal content) is a no-op; the same AsOf with other
	// content is crm.ErrExists.
	AppendPeriods(ctx context.Context, ps ...Period) error
	// Period returns the period of the run at asOf, or an error matching
	// crm.ErrNotFound.
	Period(ctx context.Context, asOf time.Time) (Period, error)
	// Periods streams every period by AsOf, oldest first.
	Periods(ctx context.Context) iter.Seq2[Period, error]
}

// Store is everything the loop writes: per-customer results and periods.
type Store interface {
	// ResultStore keeps the per-customer results.
	ResultStore
	// PeriodStore keeps the period metrics.
	PeriodStore
}

// MemoryStore is the in-memory Store, safe for concurrent use: the
// reference implementation of the ResultStore and PeriodStore contracts.
type MemoryStore struct {
	mu       sync.RWMutex
	runs     map[int64][]Result // by AsOf (Unix ns), each sorted by customer ID
	customer map[string][]int64 // each customer's runs, sorted
	periods  []Period           // by AsOf
}

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{runs: map[int64][]Result{}, customer: map[string][]int64{}}
}

var _ Store = (*MemoryStore)(nil)

func key(t time.Time) int64 { return t.UnixNano() }

func (m *MemoryStore) find(id string, at int64) (int, bool) {
	return slices.BinarySearchFunc(m.runs[at], id, func(r Result, id string) int { return cmp.Compare(r.CustomerID, id) })
}

// AppendResults implements ResultStore.
func (m *MemoryStore) AppendResults(ctx context.Context, rs ...Result) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var fresh []Result
	seen := map[[2]any]int{}
	for i, r := range rs {
		if r.CustomerID == "" || r.AsOf.IsZero() {
			return fmt.Errorf("cycle: result %d: needs a customer and a time: %w", i, crm.ErrInvalid)
		}
		at := key(r.AsOf)
		if j, ok := m.find(r.CustomerID, at); ok {
			if !m.runs[at][j].Equal(r) {
				return fmt.Errorf("cycle: result of %q at %s: stored with other content: %w", r.CustomerID, r.AsOf.Format(time.RFC3339Nano), crm.ErrExists)
			}
			continue
		}
		k := [2]any{r.CustomerID, at}
		if j, ok := seen[k]; ok {
			if !fresh[j].Equal(r) {
				return fmt.Errorf("cycle: result of %q at %s: twice in the batch with other content: %w", r.CustomerID, r.AsOf.Format(time.RFC3339Nano), crm.ErrExists)
			}
			continue
		}
		seen[k] = len(fresh)
		fresh = append(fresh, r)
	}
	for _, r := range fresh {
		at := key(r.AsOf)
		run := m.runs[at]
		if n := len(run); n == 0 || run[n-1].CustomerID < r.CustomerID {
			m.runs[at] = append(run, r) // the loop appends in customer order
		} else {
			i, _ := m.find(r.CustomerID, at)
			m.runs[at] = slices.Insert(run, i, r)
		}
		ats := m.customer[r.CustomerID]
		i, _ := slices.BinarySearch(ats, at)
		m.customer[r.CustomerID] = slices.Insert(ats, i, at)
	}
	return nil
}

// Result implements ResultStore.
func (m *MemoryStore) Result(ctx context.Context, customerID string, asOf time.Time) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	at := key(asOf)
	if i, ok := m.find(customerID, at); ok {
		return m.runs[at][i], nil
	}
	return Result{}, fmt.Errorf("cycle: result of %q at %s: %w", customerID, asOf.Format(time.RFC3339Nano), crm.ErrNotFound)
}

// ResultsAt implements ResultStore. The stream reads the run in pages, so
// appends meanwhile are seen or not, never half.
func (m *MemoryStore) ResultsAt(ctx context.Context, asOf time.Time) iter.Seq2[Result, error] {
	return func(yield func(Result, error) bool) {
		at, after := key(asOf), ""
		for {
			if err := ctx.Err(); err != nil {
				yield(Result{}, err)
				return
			}
			m.mu.RLock()
			run := m.runs[at]
			i, ok := m.find(after, at)
			if ok {
				i++
			}
			if after == "" {
				i = 0
			}
			page := slices.Clone(run[i:min(len(run), i+1024)])
			m.mu.RUnlock()
			if len(page) == 0 {
				return
			}
			for _, r := range page {
				if !yield(r, nil) {
					return
				}
			}
			after = page[len(page)-1].CustomerID
		}
	}
}

// CustomerResults implements ResultStore.
func (m *MemoryStore) CustomerResults(ctx context.Context, customerID string) iter.Seq2[Result, error] {
	return func(yield func(Result, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(Result{}, err)
			return
		}
		m.mu.RLock()
		var out []Result
		for _, at := range m.customer[customerID] {
			if i, ok := m.find(customerID, at); ok {
				out = append(out, m.runs[at][i])
			}
		}
		m.mu.RUnlock()
		for _, r := range out {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// AppendPeriods implements PeriodStore.
func (m *MemoryStore) AppendPeriods(ctx context.Context, ps ...Period) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for i := range ps {
		if err := ps[i].Validate(); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	next := slices.Clone(m.periods)
	for _, p := range ps {
		i, ok := slices.BinarySearchFunc(next, p.AsOf, func(q Period, t time.Time) int { return q.AsOf.Compare(t) })
		if ok {
			if !next[i].Equal(p) {
				return fmt.Errorf("cycle: period at %s: stored with other content: %w", p.AsOf.Format(time.RFC3339Nano), crm.ErrExists)
			}
			continue
		}
		next = slices.Insert(next, i, p.clone())
	}
	m.periods = next
	return nil
}

// Period implements PeriodStore.
func (m *MemoryStore) Period(ctx context.Context, asOf time.Time) (Period, error) {
	if err := ctx.Err(); err != nil {
		return Period{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	i, ok := slices.BinarySearchFunc(m.periods, asOf, func(q Period, t time.Time) int { return q.AsOf.Compare(t) })
	if !ok {
		return Period{}, fmt.Errorf("cycle: period at %s: %w", asOf.Format(time.RFC3339Nano), crm.ErrNotFound)
	}
	return m.periods[i].clone(), nil
}

// Periods implements PeriodStore.
func (m *MemoryStore) Periods(ctx context.Context) iter.Seq2[Period, error] {
	return func(yield func(Period, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(Period{}, err)
			return
		}
		m.mu.RLock()
		ps := make([]Period, len(m.periods))
		for i, p := range m.periods {
			ps[i] = p.clone()
		}
		m.mu.RUnlock()
		for _, p := range ps {
			if !yield(p, nil) {
				return
			}
		}
	}
}
