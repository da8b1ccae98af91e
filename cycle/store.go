package cycle

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/shopspring/decimal"

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
	// Buyer says the customer had bought before AsOf.
	Buyer bool `json:"buyer"`
	// Valued says the models valued the customer: Tier, CLV,
	// ExpectedPurchases, ExpectedSpend and PAlive are read only then (a
	// business too small or too young to fit the models values no one).
	Valued bool `json:"valued"`
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
	return r.CustomerID == o.CustomerID && r.AsOf.Equal(o.AsOf) && r.Stage == o.Stage && r.Buyer == o.Buyer && r.Valued == o.Valued &&
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
// It keeps each run's results packed — the few distinct stages, tiers,
// cells, segments and currencies interned, amounts as integers — in about
// 90 bytes a customer.
type MemoryStore struct {
	mu      sync.RWMutex
	runs    map[int64][]packed // by AsOf (Unix ns), each sorted by customer ID
	words   []string           // interned strings; index 0 is ""
	word    map[string]uint16
	large   []decimal.Decimal // amounts whose coefficient does not fit an int64
	periods []Period          // by AsOf
}

// packed is a Result in a run: the customer's ID, interned words and
// amounts as coefficient and exponent.
type packed struct {
	customer                      string
	stage, tier, cell, seg, churn uint16
	buyer, valued                 bool
	clv, stake                    money
	purchases, spend, alive       float64
}

// money is an amount: coefficient × 10^exp, or large[big-1] when big > 0,
// in words[currency].
type money struct {
	coef     int64
	exp      int32
	big      int32
	currency uint16
}

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{runs: map[int64][]packed{}, words: []string{""}, word: map[string]uint16{"": 0}}
}

var _ Store = (*MemoryStore)(nil)

func key(t time.Time) int64 { return t.UnixNano() }

// intern returns s's index, adding it (it fails past 65,535 distinct
// words: stages, tiers, cells, segments and currencies are few).
func (m *MemoryStore) intern(s string) (uint16, error) {
	if i, ok := m.word[s]; ok {
		return i, nil
	}
	if len(m.words) > math.MaxUint16 {
		return 0, fmt.Errorf("cycle: more than %d distinct stages, tiers, cells, segments and currencies: %w", math.MaxUint16, crm.ErrInvalid)
	}
	m.words = append(m.words, s)
	m.word[s] = uint16(len(m.words) - 1)
	return uint16(len(m.words) - 1), nil
}

func (m *MemoryStore) pack(r Result) (packed, error) {
	p := packed{customer: r.CustomerID, buyer: r.Buyer, valued: r.Valued, purchases: r.ExpectedPurchases, spend: r.ExpectedSpend, alive: r.PAlive}
	var err error
	for _, w := range []struct {
		to *uint16
		s  string
	}{{&p.stage, r.Stage}, {&p.tier, r.Tier}, {&p.cell, r.RFMCell}, {&p.seg, r.RFMSegment}, {&p.churn, r.Churn}} {
		if *w.to, err = m.intern(w.s); err != nil {
			return p, err
		}
	}
	if p.clv, err = m.packMoney(r.CLV); err != nil {
		return p, err
	}
	p.stake, err = m.packMoney(r.AtStake)
	return p, err
}

func (m *MemoryStore) packMoney(x crm.Money) (money, error) {
	cur, err := m.intern(x.Currency)
	if err != nil {
		return money{}, err
	}
	c := x.Amount.Coefficient()
	if c.IsInt64() {
		return money{coef: c.Int64(), exp: x.Amount.Exponent(), currency: cur}, nil
	}
	m.large = append(m.large, x.Amount)
	return money{big: int32(len(m.large)), currency: cur}, nil
}

func (m *MemoryStore) unpackMoney(x money) crm.Money {
	out := crm.Money{Currency: m.words[x.currency]}
	switch {
	case x.big > 0:
		out.Amount = m.large[x.big-1]
	case x.coef == 0 && x.exp == 0:
		out.Amount = decimal.Decimal{}
	default:
		out.Amount = decimal.New(x.coef, x.exp)
	}
	return out
}

func (m *MemoryStore) unpack(p *packed, asOf int64) Result {
	return Result{CustomerID: p.customer, AsOf: time.Unix(0, asOf).UTC(), Stage: m.words[p.stage], Buyer: p.buyer, Valued: p.valued, Tier: m.words[p.tier],
		CLV: m.unpackMoney(p.clv), ExpectedPurchases: p.purchases, ExpectedSpend: p.spend, PAlive: p.alive,
		RFMCell: m.words[p.cell], RFMSegment: m.words[p.seg], Churn: m.words[p.churn], AtStake: m.unpackMoney(p.stake)}
}

func (m *MemoryStore) find(id string, at int64) (int, bool) {
	return slices.BinarySearchFunc(m.runs[at], id, func(r packed, id string) int { return cmp.Compare(r.customer, id) })
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
			if !m.unpack(&m.runs[at][j], at).Equal(r) {
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
	ps := make([]packed, len(fresh))
	for i, r := range fresh {
		var err error
		if ps[i], err = m.pack(r); err != nil {
			return err
		}
	}
	for i, r := range fresh {
		at := key(r.AsOf)
		run := m.runs[at]
		if n := len(run); n == 0 || run[n-1].customer < r.CustomerID {
			m.runs[at] = append(run, ps[i]) // the loop appends in customer order
		} else {
			j, _ := m.find(r.CustomerID, at)
			m.runs[at] = slices.Insert(run, j, ps[i])
		}
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
		r := m.unpack(&m.runs[at][i], at)
		r.AsOf = asOf
		return r, nil
	}
	return Result{}, fmt.Errorf("cycle: result of %q at %s: %w", customerID, asOf.Format(time.RFC3339Nano), crm.ErrNotFound)
}

// ResultsAt implements ResultStore. The stream reads the run in pages, so
// appends meanwhile are seen or not, never half.
func (m *MemoryStore) ResultsAt(ctx context.Context, asOf time.Time) iter.Seq2[Result, error] {
	return func(yield func(Result, error) bool) {
		at, after, started := key(asOf), "", false
		page := make([]Result, 0, 1024)
		for {
			if err := ctx.Err(); err != nil {
				yield(Result{}, err)
				return
			}
			m.mu.RLock()
			run := m.runs[at]
			i := 0
			if started {
				i, _ = m.find(after, at)
				if i < len(run) && run[i].customer == after {
					i++
				}
			}
			page = page[:0]
			for _, p := range run[i:min(len(run), i+cap(page))] {
				r := m.unpack(&p, at)
				r.AsOf = asOf
				page = append(page, r)
			}
			m.mu.RUnlock()
			if len(page) == 0 {
				return
			}
			for _, r := range page {
				if !yield(r, nil) {
					return
				}
			}
			after, started = page[len(page)-1].CustomerID, true
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
		ats := make([]int64, 0, len(m.runs))
		for at := range m.runs {
			ats = append(ats, at)
		}
		slices.Sort(ats)
		var out []Result
		for _, at := range ats {
			if i, ok := m.find(customerID, at); ok {
				out = append(out, m.unpack(&m.runs[at][i], at))
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
