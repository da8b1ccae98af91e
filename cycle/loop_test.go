package cycle_test

import (
	"context"
	"errors"
	"iter"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/cycle"
	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/lifecycle"
	"github.com/crmkit/crm/sampledata"
	"github.com/crmkit/crm/scoring"
	"github.com/crmkit/crm/segment"
)

// business is a generated business in memory stores, with the standard
// segmentations saved.
type business struct {
	cfg    sampledata.Config
	crm    *crm.MemoryStore
	segs   *segment.MemoryStore
	life   *lifecycle.MemoryStore
	desk   *feedback.MemoryStore
	out    *cycle.MemoryStore
	loop   *cycle.Loop
	stores cycle.Stores
}

func newBusiness(t *testing.T, customers int) *business {
	t.Helper()
	ctx := context.Background()
	cfg := sampledata.DefaultConfig()
	cfg.Customers = customers
	gen, err := sampledata.NewGenerator(cfg)
	require.NoError(t, err)
	b := &business{cfg: cfg, crm: crm.NewMemoryStore(), segs: segment.NewMemoryStore(), life: lifecycle.NewMemoryStore(),
		desk: feedback.NewMemoryStore(), out: cycle.NewMemoryStore()}
	require.NoError(t, gen.Load(ctx, b.crm))
	for _, def := range []*segment.Segmentation{segment.RFMSegments(), segment.TierSegments(scoring.DefaultTiers())} {
		_, err := b.segs.CreateSegmentation(ctx, *def)
		require.NoError(t, err)
	}
	b.stores = cycle.Stores{Customers: b.crm, Transactions: b.crm, Touchpoints: b.crm, Segments: b.segs, Lifecycle: b.life,
		Feedback: b.desk, Results: b.out, Periods: b.out}
	b.loop, err = cycle.New(b.stores, nil)
	require.NoError(t, err)
	return b
}

func TestLoopRuns(t *testing.T) {
	ctx := context.Background()
	b := newBusiness(t, 2000)
	first := b.cfg.End.AddDate(0, -3, 0)
	p1, err := b.loop.Run(ctx, first)
	require.NoError(t, err)
	p2, err := b.loop.Run(ctx, b.cfg.End)
	require.NoError(t, err)
	require.True(t, p2.From.Equal(first), "the second period starts at the first run")
	for _, p := range []*cycle.Period{p1, p2} {
		require.NoError(t, p.Validate())
		for _, m := range p.Metrics {
			_, ok := definitionOf(m.Name)
			require.True(t, ok, "metric %s is not defined", m.Name)
		}
	}
	require.Positive(t, value(t, p2, cycle.MetricRetention, ""))
	require.Positive(t, value(t, p2, cycle.MetricReactivations, ""))
}

func definitionOf(name string) (cycle.Definition, bool) {
	for _, d := range cycle.Definitions() {
		if d.Name == name {
			return d, true
		}
	}
	return cycle.Definition{}, false
}

// failOnce fails the first AppendPeriods, as a crash just before the end
// of a run would leave the stores.
type failOnce struct {
	cycle.PeriodStore
	failed bool
}

func (f *failOnce) AppendPeriods(ctx context.Context, ps ...cycle.Period) error {
	if !f.failed {
		f.failed = true
		return errors.New("disk full")
	}
	return f.PeriodStore.AppendPeriods(ctx, ps...)
}

// A second run at the same time changes nothing; a run repeated after a
// failure finishes with what the first one wrote.
func TestLoopIdempotent(t *testing.T) {
	ctx := context.Background()
	b := newBusiness(t, 1500)
	flaky := &failOnce{PeriodStore: b.out}
	stores := b.stores
	stores.Periods = flaky
	loop, err := cycle.New(stores, nil)
	require.NoError(t, err)
	asOf := b.cfg.End
	_, err = loop.Run(ctx, asOf)
	require.ErrorContains(t, err, "disk full")
	p, err := loop.Run(ctx, asOf)
	require.NoError(t, err, "the repeated run's writes are no-ops")

	count := func() (results, transitions int) {
		for _, err := range b.out.ResultsAt(ctx, asOf) {
			require.NoError(t, err)
			results++
		}
		for _, err := range b.life.TransitionsBetween(ctx, time.Time{}, asOf.Add(time.Hour)) {
			require.NoError(t, err)
			transitions++
		}
		return
	}
	r1, t1 := count()
	again, err := loop.Run(ctx, asOf)
	require.NoError(t, err)
	require.True(t, p.Equal(*again))
	r2, t2 := count()
	require.Equal(t, r1, r2)
	require.Equal(t, t1, t2)
	require.Equal(t, 1500, r1, "a result for every customer")
}

// The results agree with the analyses run by hand, and the period's
// counts add up.
func TestLoopResultsAgreeWithTheAnalyses(t *testing.T) {
	ctx := context.Background()
	b := newBusiness(t, 1500)
	asOf := b.cfg.End
	p, err := b.loop.Run(ctx, asOf)
	require.NoError(t, err)

	sums, err := scoring.Summarize(ctx, beforeTime(b.crm.Transactions(ctx), asOf), asOf, nil)
	require.NoError(t, err)
	model, err := scoring.FitBGNBD(ctx, scoring.Compress(sums), nil)
	require.NoError(t, err)
	spend, err := scoring.FitGammaGamma(ctx, scoring.SpendRows(sums), nil)
	require.NoError(t, err)
	values, err := scoring.CustomerValues(ctx, model, spend, sums, &scoring.CLVOptions{Months: 12, MonthlyDiscount: 0.01})
	require.NoError(t, err)
	tiers, err := scoring.TiersByCLV(values, scoring.DefaultTiers())
	require.NoError(t, err)
	total := decimal.Zero
	for i, v := range values {
		r, err := b.out.Result(ctx, v.CustomerID, asOf)
		require.NoError(t, err)
		require.True(t, r.Valued)
		require.True(t, r.CLV.Amount.Equal(v.CLV.Amount), "%s: CLV %s, by hand %s", v.CustomerID, r.CLV.Amount, v.CLV.Amount)
		require.Equal(t, v.Alive, r.PAlive)
		require.Equal(t, scoring.DefaultTiers().Tiers[tiers.Of[i]].Name, r.Tier)
		total = total.Add(v.CLV.Amount)
	}
	require.InDelta(t, total.InexactFloat64(), value(t, p, cycle.MetricCLVTotal, ""), 1e-6)

	stages, tierCustomers, share := 0.0, 0.0, 0.0
	for _, m := range p.Metrics {
		switch m.Name {
		case cycle.MetricStage:
			stages += m.Value
		case cycle.MetricTierCustomers:
			tierCustomers += m.Value
		case cycle.MetricTierValueShare:
			share += m.Value
		}
	}
	require.Equal(t, value(t, p, cycle.MetricCustomers, ""), stages, "every customer has a stage")
	require.Equal(t, float64(len(sums)), tierCustomers, "every buyer has a tier")
	require.InDelta(t, 1, share, 1e-9)

	revenue := decimal.Zero
	for tx, err := range b.crm.Transactions(ctx) {
		require.NoError(t, err)
		if !tx.Time.Before(p.From) && tx.Time.Before(asOf) {
			revenue = revenue.Add(tx.SignedAmount())
		}
	}
	require.InDelta(t, revenue.InexactFloat64(), value(t, p, cycle.MetricRevenue, ""), 1e-6)
}

func beforeTime(txs iter.Seq2[crm.Transaction, error], asOf time.Time) iter.Seq2[crm.Transaction, error] {
	return func(yield func(crm.Transaction, error) bool) {
		for tx, err := range txs {
			if err == nil && !tx.Time.Before(asOf) {
				continue
			}
			if !yield(tx, err) {
				return
			}
		}
	}
}

func TestNewNamesWhatIsMissing(t *testing.T) {
	_, err := cycle.New(cycle.Stores{}, &cycle.Options{Period: -time.Hour})
	var ve *crm.ValidationError
	require.ErrorAs(t, err, &ve)
	for _, field := range []string{"stores.customers", "stores.transactions", "stores.segments", "stores.lifecycle", "stores.results", "stores.periods", "options.period"} {
		require.ErrorContains(t, err, field)
	}
	b := newBusiness(t, 10)
	_, err = b.loop.Run(context.Background(), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))
	require.ErrorIs(t, err, crm.ErrInvalid)
	_, err = b.loop.Run(context.Background(), time.Time{})
	require.ErrorIs(t, err, crm.ErrInvalid)
}

// countingTransactions counts the passes over the transactions.
type countingTransactions struct {
	cycle.TransactionSource
	passes int
}

func (c *countingTransactions) Transactions(ctx context.Context) iter.Seq2[crm.Transaction, error] {
	c.passes++
	return c.TransactionSource.Transactions(ctx)
}

// summariesOf is a SummarySource that summarises a store's transactions
// (as a database would, in SQL), optionally spoiling the order.
type summariesOf struct {
	txs      cycle.TransactionSource
	disorder bool
}

func (s summariesOf) Summaries(ctx context.Context, asOf time.Time, opt *scoring.SummaryOptions) ([]scoring.Summary, error) {
	sums, err := scoring.Summarize(ctx, beforeTime(s.txs.Transactions(ctx), asOf.Add(time.Nanosecond)), asOf, opt)
	if s.disorder && len(sums) > 1 {
		sums[0], sums[1] = sums[1], sums[0]
	}
	return sums, err
}

// With a summary source the loop reads the transactions once per run, not
// twice, and measures the same period.
func TestLoopTakesSummariesFromASource(t *testing.T) {
	ctx := context.Background()
	plain, sourced := newBusiness(t, 800), newBusiness(t, 800)
	counted := &countingTransactions{TransactionSource: sourced.crm}
	st := sourced.stores
	st.Transactions, st.Summaries = counted, summariesOf{txs: sourced.crm}
	loop, err := cycle.New(st, nil)
	require.NoError(t, err)
	for _, asOf := range []time.Time{plain.cfg.End.AddDate(0, -3, 0), plain.cfg.End} {
		want, err := plain.loop.Run(ctx, asOf)
		require.NoError(t, err)
		before := counted.passes
		got, err := loop.Run(ctx, asOf)
		require.NoError(t, err)
		require.Equal(t, 1, counted.passes-before, "one pass over the transactions")
		require.Equal(t, want.Metrics, got.Metrics)
	}

	st.Summaries = summariesOf{txs: sourced.crm, disorder: true}
	loop, err = cycle.New(st, nil)
	require.NoError(t, err)
	_, err = loop.Run(ctx, plain.cfg.End.AddDate(0, 1, 0))
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, "not in strictly increasing customer ID order")
}
