package scoring_test

import (
	"context"
	"encoding/json"
	"math"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/sampledata"
	"github.com/crmkit/crm/scoring"
)

func requireRel(t *testing.T, want, got, rel float64, name string) {
	t.Helper()
	require.InDelta(t, want, got, math.Abs(want)*rel, "%s: want %v, got %v", name, want, got)
}

// published is a fit from the literature (see package datasets).
type published struct {
	names  []string
	params []float64
	ll     float64
}

// requirePublished checks a fit against published values within the data
// README's tolerances — parameters 0.5% relative, log-likelihood 0.1 — and
// that every standard error is positive and below maxSE.
func requirePublished(t *testing.T, want published, params, stdErr []float64, ll, maxSE float64) {
	t.Helper()
	for i, name := range want.names {
		requireRel(t, want.params[i], params[i], 0.005, name)
		require.True(t, stdErr[i] > 0 && stdErr[i] < maxSE, "standard error of %s = %v", name, stdErr[i])
	}
	require.InDelta(t, want.ll, ll, 0.1, "log-likelihood")
}

// requireJSONRoundTrip checks that a fitted model survives JSON unchanged.
func requireJSONRoundTrip[T any](t *testing.T, m *T) {
	t.Helper()
	b, err := json.Marshal(m)
	require.NoError(t, err)
	var back T
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, *m, back)
}

// generatedSummaries summarises generated customers (no prospects) with
// daily periods at the generator's end, and lets the transactions go.
func generatedSummaries(tb testing.TB, customers int) ([]scoring.Summary, sampledata.Config) {
	cfg := sampledata.DefaultConfig()
	cfg.Customers = customers
	cfg.ProspectShare = 0
	g, err := sampledata.NewGenerator(cfg)
	require.NoError(tb, err)
	sums, err := scoring.Summarize(context.Background(), g.Transactions(), cfg.End, nil)
	require.NoError(tb, err)
	runtime.GC()
	return sums, cfg
}
