package feedback_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/scoring"
)

func csi() *feedback.Instrument {
	q := func(id, ind string) feedback.Question {
		return feedback.Question{ID: id, Text: "How satisfied are you with the " + ind + "?", Indicator: ind, Min: 1, Max: 5}
	}
	return &feedback.Instrument{Name: "csi", Purpose: feedback.Relationship, Card: scoring.SatisfactionIndexCard(), Questions: []feedback.Question{
		q("q1", "product_quality"), q("q2", "service"), q("q3", "delivery"), q("q4", "price_value"), q("q5", "complaint_handling"),
		{ID: "why", Text: "What should we do better?"},
	}}
}

func taxonomy() *feedback.Taxonomy {
	return &feedback.Taxonomy{Reasons: []feedback.Reason{
		{Code: "late_delivery", Label: "Late delivery", Group: "logistics"},
		{Code: "rude_staff", Label: "Rude staff", Group: "service"},
		{Code: "price", Label: "Too expensive", Group: "offer"},
		{Code: "faulty", Label: "Faulty product", Group: "product"},
	}}
}

func TestInstrumentAndResponseChecks(t *testing.T) {
	require.NoError(t, csi().Validate())
	bad := csi()
	bad.Purpose = "gossip"
	bad.Questions = append(bad.Questions[:4], feedback.Question{ID: "q1", Indicator: "mood", Min: 5, Max: 1})
	err := bad.Validate()
	for _, want := range []string{`purpose: "gossip"`, `"q1".id: twice`, `scale 5..1 is not a range`, `"mood" is not a criterion`, `no question feeds the card's criterion "complaint_handling"`} {
		require.ErrorContains(t, err, want)
	}
	at := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	in := csi()
	require.NoError(t, in.Check(feedback.Response{ID: "r1", Instrument: "csi", CustomerID: "c", At: at, Answers: map[string]float64{"q1": 4}, Reasons: []string{"price"}}, taxonomy()))
	err = in.Check(feedback.Response{ID: "r2", Instrument: "csi", CustomerID: "c", At: at,
		Answers: map[string]float64{"q1": 6, "q9": 3, "why": 1}, Reasons: []string{"weather"}}, taxonomy())
	for _, want := range []string{"answers.q1: 6 is off the scale 1..5", "answers.q9: no such question", "answers.why: a verbatim question", `reasons[0]: "weather" is not in the taxonomy`} {
		require.ErrorContains(t, err, want)
	}
}

// The index worked by hand on the satisfaction card (weights 30, 25, 15,
// 15, 15; answers 1..5 mapped to 0..1; unanswered questions reweighted).
func TestSatisfactionIndexByHand(t *testing.T) {
	at := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	rs := []feedback.Response{
		// every answer 5: 100
		{ID: "a", Instrument: "csi", CustomerID: "a", At: at, Answers: map[string]float64{"q1": 5, "q2": 5, "q3": 5, "q4": 5, "q5": 5}},
		// 30·0.5 + 25·0 + 15·1 + 15·0.75 + 15·0.25 = 45
		{ID: "b", Instrument: "csi", CustomerID: "b", At: at, Answers: map[string]float64{"q1": 3, "q2": 1, "q3": 5, "q4": 4, "q5": 2}},
		// only quality 5 and service 3: 100·(30·1 + 25·0.5)/55 = 77.27…
		{ID: "c", Instrument: "csi", CustomerID: "c", At: at, Answers: map[string]float64{"q1": 5, "q2": 3}},
		// nothing scored: left out
		{ID: "d", Instrument: "csi", CustomerID: "d", At: at, Verbatim: "no comment"},
		// another instrument: skipped
		{ID: "e", Instrument: "exit", CustomerID: "e", At: at, Answers: map[string]float64{"q1": 1}},
	}
	tier := map[string]string{"a": "Gold", "b": "Gold", "c": "Iron"}
	rows, err := feedback.SatisfactionIndex(csi(), seqOf(rs), func(r feedback.Response) []string { return []string{"tier=" + tier[r.CustomerID]} })
	require.NoError(t, err)
	require.Len(t, rows, 3)
	all, gold, iron := rows[0], rows[1], rows[2]
	require.Equal(t, "", all.Cut)
	require.Equal(t, 3, all.N)
	c := 100 * (30 + 12.5) / 55
	require.InDelta(t, (100+45+c)/3, all.Mean, 1e-9)
	require.InDelta(t, (5+3+5)/3.0, all.Indicators["product_quality"], 1e-12)
	require.InDelta(t, 3.5, all.Indicators["complaint_handling"], 1e-12, "the mean of the answers given (5, 2)")
	require.Equal(t, "tier=Gold", gold.Cut)
	require.InDelta(t, 72.5, gold.Mean, 1e-9)
	sd := math.Sqrt((27.5*27.5 + 27.5*27.5) / 1)
	require.InDelta(t, sd, gold.SD, 1e-9)
	half := 12.706204736174698 * sd / math.Sqrt2 // t(0.975, 1 df)
	require.InDelta(t, 72.5-half, gold.Low, 1e-6)
	require.InDelta(t, 72.5+half, gold.High, 1e-6)
	require.Equal(t, 1, iron.N)
	require.InDelta(t, c, iron.Low, 1e-9, "one answer: no interval")

	diff, z, p := feedback.IndexChange(feedback.IndexRow{N: 100, Mean: 60, SD: 20}, feedback.IndexRow{N: 100, Mean: 66, SD: 20})
	require.InDelta(t, 6, diff, 1e-12)
	require.InDelta(t, 6/math.Sqrt(8), z, 1e-12)
	require.InDelta(t, 0.0339, p, 1e-4)
}

func seqOf[T any](xs []T) func(func(T, error) bool) {
	return func(yield func(T, error) bool) {
		for _, x := range xs {
			if !yield(x, nil) {
				return
			}
		}
	}
}

func TestRepeatComplaintsAndRootCauses(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2025, 3, d, 9, 0, 0, 0, time.UTC) }
	item := func(id, customer, cause string, d int, kind feedback.Kind) feedback.Item {
		return feedback.Item{ID: id, CustomerID: customer, Category: cause, Kind: kind, Received: day(d), Channel: crm.ChannelEmail}
	}
	items := []feedback.Item{
		item("F1", "ana", "late_delivery", 1, feedback.Complaint),
		item("F2", "ana", "late_delivery", 9, feedback.Complaint),  // 8 days later: a repeat
		item("F3", "ana", "late_delivery", 30, feedback.Complaint), // 21 days after F2: outside a 14-day window
		item("F4", "ana", "price", 2, feedback.Complaint),
		item("F5", "bo", "late_delivery", 3, feedback.Complaint),
		item("F6", "bo", "late_delivery", 4, feedback.Inquiry), // not a complaint
		item("F7", "cy", "rude_staff", 5, feedback.Complaint),
		item("F8", "cy", "rude_staff", 6, feedback.Complaint),
	}
	require.Equal(t, []feedback.Repeat{
		{CustomerID: "ana", Cause: "late_delivery", Items: []string{"F1", "F2"}},
		{CustomerID: "cy", Cause: "rude_staff", Items: []string{"F7", "F8"}},
	}, feedback.RepeatComplaints(items, 14*24*time.Hour))
	require.Equal(t, []string{"F1", "F2", "F3"}, feedback.RepeatComplaints(items, 0)[0].Items, "no window: any time apart")

	// One Pareto across complaints, churn interviews and low scores.
	churn := []feedback.Response{
		{ID: "x1", CustomerID: "dee", Reasons: []string{"price"}},
		{ID: "x2", CustomerID: "eve", Reasons: []string{"price", "late_delivery"}},
		{ID: "x3", CustomerID: "fay", Reasons: []string{"price"}},
	}
	low := []feedback.Response{
		{ID: "s1", CustomerID: "gus", Answers: map[string]float64{"q1": 1}, Reasons: []string{"faulty"}},
		{ID: "s2", CustomerID: "hal", Answers: map[string]float64{"q1": 5}, Reasons: []string{"rude_staff"}}, // not low: left out
	}
	isLow := func(r feedback.Response) bool { return r.Answers["q1"] <= 2 }
	causes, err := feedback.RootCauses(taxonomy(), feedback.ComplaintMentions(items), feedback.ResponseMentions("churn_interview", churn, nil),
		feedback.ResponseMentions("low_score", low, isLow))
	require.NoError(t, err)
	// late_delivery: 4 complaints + 1 interview = 5; price: 1 + 3 = 4;
	// rude_staff 2; faulty 1; of 12.
	require.Len(t, causes, 4)
	want := []struct {
		code      string
		count     int
		sources   map[string]int
		customers int
		vital     bool
	}{
		{"late_delivery", 5, map[string]int{"complaint": 4, "churn_interview": 1}, 3, true},
		{"price", 4, map[string]int{"complaint": 1, "churn_interview": 3}, 4, true},
		{"rude_staff", 2, map[string]int{"complaint": 2}, 1, true}, // 9 of 12 (75%) before it: still within the first 80%
		{"faulty", 1, map[string]int{"low_score": 1}, 1, false},
	}
	for i, w := range want {
		require.Equal(t, w.code, causes[i].Cause)
		require.Equal(t, w.count, causes[i].Count)
		require.Equal(t, w.sources, causes[i].Sources)
		require.Equal(t, w.customers, causes[i].Customers, w.code)
		require.Equal(t, w.vital, causes[i].VitalFew, w.code)
	}
	require.Equal(t, "Late delivery", causes[0].Label)
	require.InDelta(t, 5.0/12, causes[0].Share, 1e-12)

	_, err = feedback.RootCauses(taxonomy(), []feedback.Mention{{Source: "complaint", Reason: "weather"}})
	require.ErrorContains(t, err, `reasons not in the taxonomy: ["weather"]`)
	_, err = feedback.RootCauses(taxonomy(), []feedback.Mention{{Source: "complaint", Reason: "price", Weight: -2}})
	require.ErrorContains(t, err, `weighs -2, not a weight`)
}

// BenchmarkSatisfactionIndex scores 1M responses on the satisfaction card
// and averages them overall and by four tiers.
func BenchmarkSatisfactionIndex(b *testing.B) {
	at := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	tiers := []string{"tier=Platinum", "tier=Gold", "tier=Iron", "tier=Lead"}
	rs := make([]feedback.Response, 1_000_000)
	for i := range rs {
		rs[i] = feedback.Response{ID: "r", Instrument: "csi", CustomerID: tiers[i%4], At: at, Answers: map[string]float64{
			"q1": float64(1 + i%5), "q2": float64(1 + i%4), "q3": float64(1 + i%3), "q4": float64(1 + i%2), "q5": float64(1 + i%5)}}
	}
	in := csi()
	cut := func(r feedback.Response) []string { return []string{r.CustomerID} }
	for b.Loop() {
		rows, err := feedback.SatisfactionIndex(in, seqOf(rs), cut)
		if err != nil || len(rows) != 5 {
			b.Fatal(err, len(rows))
		}
	}
}

// A desk with the taxonomy refuses a complaint whose cause is not one of
// its reasons; relationship surveys need no item.
func TestDeskTaxonomyAndRelationshipSurveys(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	store := feedback.NewMemoryStore()
	d, err := feedback.NewDesk(store, []feedback.Agent{{Name: "ana"}}, &feedback.Options{Taxonomy: taxonomy(), Clock: func() time.Time { return clock }})
	require.NoError(t, err)
	in := feedback.Intake{CustomerID: "c", Kind: feedback.Complaint, Channel: crm.ChannelEmail, Category: "late_delivry", Text: "late"}
	_, _, err = d.Submit(ctx, in, "web")
	require.ErrorContains(t, err, `category: "late_delivry" is not a reason of the taxonomy (did you mean "late_delivery"?)`)
	in.Category = "late_delivery"
	_, _, err = d.Submit(ctx, in, "web")
	require.NoError(t, err)
	in.Kind, in.Category = feedback.Inquiry, "opening hours"
	_, _, err = d.Submit(ctx, in, "web")
	require.NoError(t, err, "only complaints name causes")
	_, err = feedback.NewDesk(store, []feedback.Agent{{Name: "ana"}}, &feedback.Options{Taxonomy: &feedback.Taxonomy{Reasons: []feedback.Reason{{Code: "x"}}}})
	require.ErrorContains(t, err, `reasons[0] "x".label: empty`)

	require.NoError(t, d.RecordRelationshipSurvey(ctx, "nps-2025-q1/c", "c", feedback.NPS, 9))
	require.NoError(t, d.RecordRelationshipSurvey(ctx, "nps-2025-q1/c", "c", feedback.NPS, 9), "a retry is a no-op")
	require.ErrorIs(t, d.RecordRelationshipSurvey(ctx, "nps-2025-q1/c", "c", feedback.NPS, 3), crm.ErrExists)
	require.ErrorIs(t, d.RecordRelationshipSurvey(ctx, "nps-x/c", "c", feedback.NPS, 11), crm.ErrInvalid)
	s, err := store.Survey(ctx, "nps-2025-q1/c")
	require.NoError(t, err)
	require.Empty(t, s.ItemID)
	require.Equal(t, 9, s.Score)
}

// Missing inputs are errors, not panics.
func TestVoiceOfTheCustomerRefusesNil(t *testing.T) {
	ctx := context.Background()
	_, err := feedback.SatisfactionIndex(nil, nil, nil)
	require.ErrorIs(t, err, crm.ErrInvalid)
	_, err = feedback.RootCauses(nil)
	require.ErrorIs(t, err, crm.ErrInvalid)
	var in *feedback.Instrument
	require.ErrorIs(t, in.Check(feedback.Response{ID: "r"}, nil), crm.ErrInvalid)
	_, err = feedback.CostToServe(ctx, nil, nil, time.Time{}, time.Time{}, feedback.CostOptions{})
	require.ErrorIs(t, err, crm.ErrInvalid)
	_, err = feedback.AccountManagers(nil, nil, nil, nil)
	require.ErrorIs(t, err, crm.ErrInvalid)
	var cat *feedback.Catalogue
	_, ok := cat.For("Gold")
	require.False(t, ok)
}
