package sampledata_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"math"
	"runtime"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/sampledata"
)

func smallConfig(n int) sampledata.Config {
	cfg := sampledata.DefaultConfig()
	cfg.Customers = n
	return cfg
}

func digest(t *testing.T, g *sampledata.Generator) [32]byte {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for a := range g.Accounts() {
		require.NoError(t, enc.Encode(a))
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func TestGeneratorIsDeterministic(t *testing.T) {
	g1, err := sampledata.NewGenerator(smallConfig(500))
	require.NoError(t, err)
	g2, err := sampledata.NewGenerator(smallConfig(500))
	require.NoError(t, err)
	require.Equal(t, digest(t, g1), digest(t, g2), "same seed, same bytes")
	cfg := smallConfig(500)
	cfg.Seed = 2
	g3, err := sampledata.NewGenerator(cfg)
	require.NoError(t, err)
	require.NotEqual(t, digest(t, g1), digest(t, g3), "another seed, another business")
}

// The streams are made ahead on every processor; the records and their
// order are the same as made one at a time, and a caller who stops early
// leaves nothing running.
func TestGeneratorStreamsInParallel(t *testing.T) {
	g, err := sampledata.NewGenerator(smallConfig(2000))
	require.NoError(t, err)
	prev := runtime.GOMAXPROCS(1)
	serial := digest(t, g)
	runtime.GOMAXPROCS(max(4, prev))
	parallel := digest(t, g)
	runtime.GOMAXPROCS(prev)
	require.Equal(t, serial, parallel)

	before := runtime.NumGoroutine()
	for _, stopAt := range []int{0, 1, 255, 256, 257, 1000, 1999} {
		n := 0
		for c, err := range g.Customers() {
			require.NoError(t, err)
			require.Equal(t, sampledata.CustomerID(n), c.ID)
			if n == stopAt {
				break
			}
			n++
		}
		require.Equal(t, stopAt, n)
	}
	// (Polled here: require.Eventually runs goroutines of its own.)
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	require.LessOrEqual(t, runtime.NumGoroutine(), before, "the generator's goroutines end when the caller stops")
}

func TestGeneratorStreamsAgreeWithAccounts(t *testing.T) {
	g, err := sampledata.NewGenerator(smallConfig(300))
	require.NoError(t, err)
	var txs []crm.Transaction
	var tps []crm.Touchpoint
	var customers []crm.Customer
	for a := range g.Accounts() {
		customers = append(customers, a.Customer)
		txs = append(txs, a.Transactions...)
		tps = append(tps, a.Touchpoints...)
	}
	i := 0
	for c, err := range g.Customers() {
		require.NoError(t, err)
		require.Equal(t, customers[i], c)
		i++
	}
	i = 0
	for tx, err := range g.Transactions() {
		require.NoError(t, err)
		require.True(t, txs[i].Equal(tx))
		i++
	}
	require.Equal(t, len(txs), i)
	i = 0
	for tp, err := range g.Touchpoints() {
		require.NoError(t, err)
		require.True(t, tps[i].Equal(tp))
		i++
	}
	require.Equal(t, len(tps), i)
}

func TestGeneratedRecordsValidateAndLoad(t *testing.T) {
	cfg := smallConfig(2000)
	g, err := sampledata.NewGenerator(cfg)
	require.NoError(t, err)
	s := crm.NewMemoryStore()
	require.NoError(t, g.Load(context.Background(), s))
	n, prospects := 0, 0
	for a := range g.Accounts() {
		require.NoError(t, a.Customer.Validate())
		if len(a.Transactions) == 0 {
			prospects++
		}
		for _, tx := range a.Transactions {
			require.NoError(t, tx.Validate())
			require.False(t, tx.Time.Before(a.Customer.CreatedAt))
			require.True(t, tx.Time.Before(cfg.End))
			sum := decimal.Zero
			for _, it := range tx.Items {
				sum = sum.Add(it.UnitPrice.Mul(decimalInt(it.Quantity)))
			}
			require.True(t, sum.Equal(tx.Amount), "line items must add up to the amount: %s vs %s", sum, tx.Amount)
			n++
		}
		for _, tp := range a.Touchpoints {
			require.NoError(t, tp.Validate())
		}
	}
	stored := 0
	for _, err := range s.Transactions(context.Background()) {
		require.NoError(t, err)
		stored++
	}
	require.Equal(t, n, stored)
	share := float64(prospects) / float64(cfg.Customers)
	require.InDelta(t, cfg.ProspectShare, share, 0.02, "prospect share")
}

// The first repeat purchase comes before any drop-out, so the gap between
// the first two purchases is exponential given λ ~ Gamma(r, α), and marginally
// Lomax: P(gap > s) = (α/(α+s))^r. A wrong rate distribution breaks this.
func TestGeneratorFirstGapFollowsGammaRates(t *testing.T) {
	cfg := smallConfig(20000)
	cfg.Purchase = sampledata.PurchaseProcess{R: 3, Alpha: 60, A: 1, B: 3}
	g, err := sampledata.NewGenerator(cfg)
	require.NoError(t, err)
	// Count only customers whose window is long enough to see a 20-day gap.
	const s = 20.0
	seen, longer := 0, 0
	for a := range g.Accounts() {
		if len(a.Transactions) == 0 {
			continue
		}
		first := a.Transactions[0].Time
		if cfg.End.Sub(first).Hours()/24 < s {
			continue
		}
		seen++
		if len(a.Transactions) == 1 || a.Transactions[1].Time.Sub(first).Hours()/24 > s {
			longer++
		}
	}
	want := math.Pow(cfg.Purchase.Alpha/(cfg.Purchase.Alpha+s), cfg.Purchase.R)
	require.InDelta(t, want, float64(longer)/float64(seen), 0.015)
}

func TestGeneratorConfigRefused(t *testing.T) {
	cfg := sampledata.DefaultConfig()
	cfg.Purchase.R = 0
	cfg.Spend.Gamma = math.Inf(1)
	cfg.Currency = "usd"
	cfg.Associations = []sampledata.Association{{If: "SKU-00001", Then: "nope", Probability: 2}}
	_, err := sampledata.NewGenerator(cfg)
	require.ErrorIs(t, err, crm.ErrInvalid)
	for _, f := range []string{"purchase.r", "spend.gamma", "currency", "associations[0]", "associations[0].probability"} {
		require.Contains(t, err.Error(), f)
	}
}

func TestPlantedAssociationsShowInBaskets(t *testing.T) {
	g, err := sampledata.NewGenerator(smallConfig(5000))
	require.NoError(t, err)
	for _, a := range sampledata.DefaultAssociations() {
		withIf, both, baskets, withThen := 0, 0, 0, 0
		for tx, err := range g.Transactions() {
			require.NoError(t, err)
			baskets++
			hasIf, hasThen := false, false
			for _, it := range tx.Items {
				hasIf = hasIf || it.SKU == a.If
				hasThen = hasThen || it.SKU == a.Then
			}
			if hasIf {
				withIf++
			}
			if hasThen {
				withThen++
			}
			if hasIf && hasThen {
				both++
			}
		}
		require.Greater(t, withIf, 30, "%s must sell", a.If)
		confidence := float64(both) / float64(withIf)
		lift := confidence / (float64(withThen) / float64(baskets))
		require.GreaterOrEqual(t, confidence, a.Probability*0.85, "%s -> %s", a.If, a.Then)
		require.Greater(t, lift, 3.0, "%s -> %s", a.If, a.Then)
	}
}

func decimalInt(n int) decimal.Decimal { return decimal.NewFromInt(int64(n)) }
