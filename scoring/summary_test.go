package scoring_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/datasets"
	"github.com/crmkit/crm/sampledata"
	"github.com/crmkit/crm/scoring"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func tx(id, customer, when, amount string) crm.Transaction {
	return crm.Transaction{ID: id, CustomerID: customer, Time: day(when), Amount: decimal.RequireFromString(amount), Currency: "USD", Kind: crm.Purchase}
}

func refund(id, customer, when, amount string) crm.Transaction {
	t := tx(id, customer, when, amount)
	t.Kind = crm.Refund
	return t
}

func seq(txs ...crm.Transaction) func(func(crm.Transaction, error) bool) {
	return func(yield func(crm.Transaction, error) bool) {
		for _, t := range txs {
			if !yield(t, nil) {
				return
			}
		}
	}
}

// The worked example of the CLV literature's summary conventions.
func TestSummarizeReadmeExample(t *testing.T) {
	got, err := scoring.Summarize(context.Background(), seq(
		tx("a", "1", "2015-02-01", "10"), tx("b", "1", "2015-02-06", "20"),
		tx("c", "2", "2015-01-01", "5"),
		tx("d", "3", "2015-01-01", "1"), tx("e", "3", "2015-01-02", "2"), tx("f", "3", "2015-01-05", "3"),
	), day("2015-02-07"), nil)
	require.NoError(t, err)
	require.Len(t, got, 3)
	want := [][3]float64{{1, 5, 6}, {0, 0, 37}, {2, 4, 37}}
	for i, s := range got {
		require.Equal(t, want[i], [3]float64{float64(s.Frequency), s.Recency, s.T}, s.CustomerID)
	}
	require.Equal(t, 20.0, got[0].Monetary)
	require.Equal(t, 2.5, got[2].Monetary, "mean of the repeat periods 2 and 3")
	require.Equal(t, 0.0, got[1].Monetary)
	require.Equal(t, "6", got[2].Total.String())
}

func TestSummarizePeriodsAndRefunds(t *testing.T) {
	ctx := context.Background()
	txs := []crm.Transaction{
		refund("r0", "c", "2025-01-01", "4"),  // before any purchase: Total only
		tx("t1", "c", "2025-01-06", "10"),     // Monday
		tx("t2", "c", "2025-01-12", "30"),     // Sunday, same week
		tx("t3", "c", "2025-01-13", "50"),     // next Monday
		refund("r1", "c", "2025-01-20", "20"), // refund-only week: reduces the latest purchase period
		tx("t4", "c", "2025-03-01", "100"),
		refund("r2", "c", "2025-03-01", "150"), // more than the period: floored at zero
	}
	weekly, err := scoring.Summarize(ctx, seq(txs...), day("2025-03-31"), &scoring.SummaryOptions{Unit: scoring.Week})
	require.NoError(t, err)
	require.Len(t, weekly, 1)
	s := weekly[0]
	require.Equal(t, 2, s.Frequency, "weeks of Jan 6, Jan 13, Feb 24")
	require.Equal(t, 7.0, s.Recency)
	require.Equal(t, 12.0, s.T)
	require.Equal(t, 15.0, s.Monetary, "(50-20 + max(0, 100-150)) / 2")
	require.Equal(t, 4, s.Count)
	require.Equal(t, "16", s.Total.String(), "190 bought - 174 refunded")
	require.True(t, s.First.Equal(day("2025-01-06")))
	require.True(t, s.Last.Equal(day("2025-03-01")))

	monthly, err := scoring.Summarize(ctx, seq(txs...), day("2025-03-31"), &scoring.SummaryOptions{Unit: scoring.Month})
	require.NoError(t, err)
	require.Equal(t, 1, monthly[0].Frequency)
	require.Equal(t, 2.0, monthly[0].Recency)

	// Transactions after asOf are ignored; a customer with only refunds or
	// nothing before asOf gets no summary.
	early, err := scoring.Summarize(ctx, seq(txs...), day("2025-01-05"), nil)
	require.NoError(t, err)
	require.Empty(t, early)
}

func TestSummarizeRefusals(t *testing.T) {
	ctx := context.Background()
	_, err := scoring.Summarize(ctx, seq(tx("a", "1", "2025-01-01", "1"), tx("b", "2", "2025-01-01", "1"), tx("c", "1", "2025-01-02", "1")), day("2025-02-01"), nil)
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.Contains(t, err.Error(), `"c"`)
	require.Contains(t, err.Error(), "grouped by customer")
	// Groups may come in any customer order; a customer coming back is
	// caught whether the stream was in order so far or not, and whether or
	// not the first group made a summary.
	got, err := scoring.Summarize(ctx, seq(tx("a", "3", "2025-01-01", "1"), tx("b", "1", "2025-01-01", "1"), tx("c", "2", "2025-01-02", "1")), day("2025-02-01"), nil)
	require.NoError(t, err)
	require.Equal(t, []string{"3", "1", "2"}, []string{got[0].CustomerID, got[1].CustomerID, got[2].CustomerID})
	for _, stream := range [][]crm.Transaction{
		{tx("a", "3", "2025-01-01", "1"), tx("b", "1", "2025-01-01", "1"), tx("c", "3", "2025-01-02", "1")},
		{refund("a", "9", "2025-01-01", "1"), tx("b", "5", "2025-01-01", "1"), tx("c", "9", "2025-01-02", "1")},
		{refund("a", "1", "2025-01-01", "1"), tx("b", "5", "2025-01-01", "1"), tx("c", "2", "2025-01-02", "1"), tx("d", "1", "2025-01-02", "1")},
	} {
		_, err = scoring.Summarize(ctx, seq(stream...), day("2025-02-01"), nil)
		last := stream[len(stream)-1]
		require.ErrorContains(t, err, fmt.Sprintf("customer %q appears again", last.CustomerID), "%v", stream)
	}
	eur := tx("b", "1", "2025-01-02", "1")
	eur.Currency = "EUR"
	_, err = scoring.Summarize(ctx, seq(tx("a", "1", "2025-01-01", "1"), eur), day("2025-02-01"), nil)
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.Contains(t, err.Error(), "currency EUR, expected USD")
	_, err = scoring.Summarize(ctx, seq(), day("2025-02-01"), &scoring.SummaryOptions{Unit: 9, Length: -1, Scale: -2})
	require.ErrorIs(t, err, crm.ErrInvalid)
	for _, f := range []string{"unit", "length", "scale"} {
		require.Contains(t, err.Error(), f)
	}
}

func TestSummarizeExactTotals(t *testing.T) {
	got, err := scoring.Summarize(context.Background(), seq(
		tx("a", "1", "2025-01-01", "0.1"), tx("b", "1", "2025-01-02", "0.2"),
		tx("c", "1", "2025-01-03", "123456789012345.123456789"),
		refund("d", "1", "2025-01-04", "0.000000001"),
		tx("e", "2", "2025-01-01", "0.1"), refund("f", "2", "2025-01-02", "0.35"), tx("g", "2", "2025-01-03", "8999999999.999999999"),
	), day("2025-02-01"), nil)
	require.NoError(t, err)
	require.Equal(t, "123456789012345.423456788", got[0].Total.String())
	require.Equal(t, "8999999999.749999999", got[1].Total.String())
}

// An amount no store would accept is an error naming the transaction, not
// an infinite monetary value (1e400 became +Inf).
func TestSummarizeRefusesAmountsOutOfRange(t *testing.T) {
	for _, amount := range []decimal.Decimal{decimal.RequireFromString("1e400"), decimal.RequireFromString("1e15"), decimal.New(1, 1_000_000_000)} {
		big := tx("big", "1", "2025-01-03", "1")
		big.Amount = amount
		_, err := scoring.Summarize(context.Background(), seq(tx("a", "1", "2025-01-01", "1"), big), day("2025-02-01"), nil)
		var se *scoring.SummaryError
		require.ErrorAs(t, err, &se, amount.Exponent())
		require.Equal(t, "big", se.TransactionID)
		require.ErrorContains(t, err, "crm.MaxAmountDigits")
	}
}

// Summarising CDNOW_sample.txt by sample_id to 1997-09-30, daily periods in
// weeks, reproduces the published summary to 2 dp.
func TestSummarizeReproducesCDNOW(t *testing.T) {
	got, err := scoring.Summarize(context.Background(), datasets.CDNOWSample(), day("1997-09-30"), &scoring.SummaryOptions{Scale: 7})
	require.NoError(t, err)
	byID := map[string]scoring.Summary{}
	for _, s := range got {
		byID[s.CustomerID] = s
	}
	want, err := datasets.CDNOWSummary()
	require.NoError(t, err)
	require.Len(t, want, 2357)
	require.Len(t, got, 2357)
	for _, w := range want {
		s, ok := byID[w.CustomerID]
		require.True(t, ok, "customer %s missing", w.CustomerID)
		require.Equal(t, w.Frequency, s.Frequency, "customer %s frequency", w.CustomerID)
		require.InDelta(t, w.Recency, s.Recency, 0.005+1e-9, "customer %s recency", w.CustomerID)
		require.InDelta(t, w.T, s.T, 0.005+1e-9, "customer %s T", w.CustomerID)
		require.InDelta(t, w.Monetary, s.Monetary, 0.005+1e-9, "customer %s mean repeat spend", w.CustomerID)
	}
	require.True(t, slices.IsSortedFunc(got, func(a, b scoring.Summary) int { return strings.Compare(a.CustomerID, b.CustomerID) }))
}

func TestSummarizeHoldoutByHand(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return v
	}
	txs := []crm.Transaction{
		tx("a", "1", "2015-02-01", "10"), tx("b", "1", "2015-02-06", "20"),
		tx("c", "1", "2015-02-10", "30"), tx("d", "1", "2015-02-10", "5"), refund("e", "1", "2015-02-12", "10"),
		tx("f", "2", "2015-01-01", "7"),
		tx("g", "3", "2015-02-09", "9"), // acquired in the holdout: left out
	}
	late := tx("h", "4", "2015-02-07", "4")
	late.Time = at("2015-02-07T10:00:00Z")
	later := tx("i", "4", "2015-02-07", "6")
	later.Time = at("2015-02-07T15:00:00Z")
	txs = append(txs, late, later)
	got, err := scoring.SummarizeHoldout(context.Background(), seq(txs...), at("2015-02-07T12:00:00Z"), day("2015-02-14"), nil)
	require.NoError(t, err)
	require.Len(t, got, 3)
	c1, c2, c4 := got[0], got[1], got[2]
	require.Equal(t, "1", c1.CustomerID)
	require.Equal(t, [3]float64{1, 5, 6}, [3]float64{float64(c1.Frequency), c1.Recency, c1.T})
	require.Equal(t, "30", c1.Total.String(), "Total counts the calibration period only")
	require.Equal(t, 1, c1.HoldoutFrequency)
	require.Equal(t, 25.0, c1.HoldoutMonetary, "35 on 02-10 less the 10 refunded on 02-12")
	require.Equal(t, 7.0, c1.HoldoutDuration)
	require.Equal(t, "2", c2.CustomerID)
	require.Equal(t, [3]float64{0, 0, 37}, [3]float64{float64(c2.Frequency), c2.Recency, c2.T})
	require.Equal(t, 0, c2.HoldoutFrequency)
	require.Equal(t, 0.0, c2.HoldoutMonetary)
	// The 15:00 purchase falls in the calibration's last day: no new period.
	require.Equal(t, "4", c4.CustomerID)
	require.Equal(t, 0, c4.HoldoutFrequency)
	require.Equal(t, "4", c4.Total.String())

	_, err = scoring.SummarizeHoldout(context.Background(), seq(txs...), day("2015-02-14"), day("2015-02-07"), nil)
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, "is not after calibration end")
}

// A fitted model's forecasts for the holdout match what the generated
// customers did there, in total: the check a user runs before trusting it.
func TestHoldoutForecastOnGeneratedData(t *testing.T) {
	cfg := sampledata.DefaultConfig()
	cfg.Customers = 20_000
	cfg.ProspectShare = 0
	g, err := sampledata.NewGenerator(cfg)
	require.NoError(t, err)
	split := cfg.End.AddDate(0, -6, 0)
	hs, err := scoring.SummarizeHoldout(context.Background(), g.Transactions(), split, cfg.End, nil)
	require.NoError(t, err)
	cal := make([]scoring.Summary, len(hs))
	for i, h := range hs {
		cal[i] = h.Summary
	}
	m, err := scoring.FitBGNBD(context.Background(), scoring.Compress(cal), nil)
	require.NoError(t, err)
	predicted, actual := 0.0, 0.0
	for _, h := range hs {
		predicted += m.ConditionalExpectedPurchases(h.HoldoutDuration, float64(h.Frequency), h.Recency, h.T)
		actual += float64(h.HoldoutFrequency)
	}
	require.Greater(t, actual, 1000.0)
	require.InDelta(t, 1, predicted/actual, 0.1, "predicted %.0f, actual %.0f", predicted, actual)
}

// generatedTransactions is the transactions of a generated business.
func generatedTransactions(t *testing.T, customers int, seed uint64) ([]crm.Transaction, sampledata.Config) {
	t.Helper()
	cfg := sampledata.DefaultConfig()
	cfg.Customers, cfg.Seed = customers, seed
	gen, err := sampledata.NewGenerator(cfg)
	require.NoError(t, err)
	var txs []crm.Transaction
	for tx, err := range gen.Transactions() {
		require.NoError(t, err)
		txs = append(txs, tx)
	}
	return txs, cfg
}

// A Summarizer gives Summarize's summaries, whether each transaction is
// added whole or as its parts — amounts with up to 18 digits, 0 to 24
// places, past 2^53 and past the nanounits' range among them — and
// refuses what it must.
func TestSummarizerIsSummarize(t *testing.T) {
	ctx := context.Background()
	txs, cfg := generatedTransactions(t, 3000, 9)
	// Amounts of every shape, the same customers and times: 3 to 24
	// places (past 22, the decimal's way), coefficients past 2^53.
	coefs := []int64{1, 999, 123456789012345, 1 << 53, 1<<53 + 1, 999999999999999999}
	for i := range txs {
		if i%5 == 0 {
			txs[i].Amount = decimal.New(coefs[i%len(coefs)], -3-int32(i%22))
		}
	}
	asOf := cfg.End.AddDate(0, -3, 0)
	for _, opt := range []*scoring.SummaryOptions{nil, {Unit: scoring.Week, Scale: 1}, {Unit: scoring.Month}} {
		want, err := scoring.Summarize(ctx, seq(txs...), asOf, opt)
		require.NoError(t, err)
		whole, err := scoring.NewSummarizer(asOf, opt)
		require.NoError(t, err)
		parts, err := scoring.NewSummarizer(asOf, opt)
		require.NoError(t, err)
		for i := range txs {
			tx := &txs[i]
			require.NoError(t, whole.Add(tx))
			require.NoError(t, parts.AddParts(tx.CustomerID, tx.ID, tx.Time, tx.Amount.CoefficientInt64(), tx.Amount.Exponent(), tx.Kind == crm.Refund, tx.Currency))
		}
		got, err := whole.Summaries()
		require.NoError(t, err)
		require.Equal(t, want, got)
		got, err = parts.Summaries()
		require.NoError(t, err)
		require.Equal(t, want, got)
		_, err = parts.Summaries()
		require.ErrorIs(t, err, crm.ErrInvalid, "spent")
	}

	var zero scoring.Summarizer
	require.ErrorIs(t, zero.Add(&txs[0]), crm.ErrInvalid)
	require.ErrorIs(t, zero.AddParts("c", "t", asOf, 1, 0, false, "USD"), crm.ErrInvalid)
	_, err := zero.Summaries()
	require.ErrorIs(t, err, crm.ErrInvalid)
	var none *scoring.Summarizer
	require.ErrorIs(t, none.Add(&txs[0]), crm.ErrInvalid)
	z, err := scoring.NewSummarizer(asOf, nil)
	require.NoError(t, err)
	require.ErrorIs(t, z.Add(nil), crm.ErrInvalid)
	// An error sticks: a second currency, then nothing more.
	require.NoError(t, z.AddParts("c1", "t1", day("2024-01-01"), 100, -2, false, "USD"))
	err = z.AddParts("c1", "t2", day("2024-01-02"), 100, -2, false, "EUR")
	require.ErrorContains(t, err, `transaction "t2": currency EUR, expected USD`)
	require.Equal(t, err, z.AddParts("c1", "t3", day("2024-01-03"), 100, -2, false, "USD"))
	_, err2 := z.Summaries()
	require.Equal(t, err, err2)
	_, err = scoring.NewSummarizer(asOf, &scoring.SummaryOptions{Length: -1})
	require.ErrorIs(t, err, crm.ErrInvalid)
}

// Within a customer's group the order does not matter: each group
// shuffled gives the summaries of the groups in time order (purchases
// before refunds at one instant, then by ID), the order a summary is
// made in — with many purchases and refunds on one day among them.
func TestSummarizeOrderWithinACustomer(t *testing.T) {
	ctx := context.Background()
	txs, cfg := generatedTransactions(t, 2000, 4)
	for i := range txs {
		if i%3 == 0 {
			txs[i].Time = txs[i].Time.Truncate(24 * time.Hour) // ties on the day
		}
		if i%7 == 0 {
			txs[i].Kind = crm.Refund
		}
	}
	ordered := slices.Clone(txs)
	shuffled := slices.Clone(txs)
	rng := rand.New(rand.NewPCG(4, 4))
	for start := 0; start < len(txs); {
		end := start + 1
		for end < len(txs) && txs[end].CustomerID == txs[start].CustomerID {
			end++
		}
		slices.SortFunc(ordered[start:end], func(a, b crm.Transaction) int {
			if c := a.Time.Compare(b.Time); c != 0 {
				return c
			}
			if a.Kind != b.Kind {
				if a.Kind == crm.Refund {
					return 1
				}
				return -1
			}
			return strings.Compare(a.ID, b.ID)
		})
		g := shuffled[start:end]
		rng.Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
		start = end
	}
	require.NotEqual(t, ordered, shuffled)
	asOf, split := cfg.End.AddDate(0, -2, 0), cfg.End.AddDate(0, -8, 0)
	for _, opt := range []*scoring.SummaryOptions{nil, {Unit: scoring.Week}} {
		want, err := scoring.Summarize(ctx, seq(ordered...), asOf, opt)
		require.NoError(t, err)
		got, err := scoring.Summarize(ctx, seq(shuffled...), asOf, opt)
		require.NoError(t, err)
		require.Equal(t, want, got)
		wantH, err := scoring.SummarizeHoldout(ctx, seq(ordered...), split, asOf, opt)
		require.NoError(t, err)
		gotH, err := scoring.SummarizeHoldout(ctx, seq(shuffled...), split, asOf, opt)
		require.NoError(t, err)
		require.Equal(t, wantH, gotH)
	}
}
