package cycle_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/cycle"
	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/lifecycle"
	"github.com/crmkit/crm/segment"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// small is a business worked by hand: a and b buy on the 10th of every
// month; a answers NPS 10 in June, b refers a friend in May; e buys like
// them until May and then stops; d bought twice in early 2023, lapsed,
// and buys again in June 2024; c signs up in June and buys nothing.
type small struct {
	crm   *crm.MemoryStore
	desk  *feedback.MemoryStore
	life  *lifecycle.MemoryStore
	segs  *segment.MemoryStore
	out   *cycle.MemoryStore
	loop  *cycle.Loop
	clock time.Time
}

func newSmall(t *testing.T) *small {
	t.Helper()
	ctx := context.Background()
	s := &small{crm: crm.NewMemoryStore(), desk: feedback.NewMemoryStore(), life: lifecycle.NewMemoryStore(), segs: segment.NewMemoryStore(), out: cycle.NewMemoryStore()}
	for _, c := range []struct {
		id      string
		created time.Time
		email   string
	}{{"a", date(2022, 12, 1), "a@example.com"}, {"b", date(2022, 12, 1), ""}, {"c", date(2024, 6, 10), "c@example.com"}, {"d", date(2022, 12, 1), ""}, {"e", date(2022, 12, 1), ""}} {
		_, err := s.crm.CreateCustomer(ctx, crm.Customer{ID: c.id, CreatedAt: c.created, Email: c.email})
		require.NoError(t, err)
	}
	var txs []crm.Transaction
	buy := func(id string, at time.Time, amount int64) {
		txs = append(txs, crm.Transaction{ID: fmt.Sprintf("%s-%s", id, at.Format("20060102")), CustomerID: id, Time: at,
			Amount: decimal.NewFromInt(amount), Currency: "EUR", Kind: crm.Purchase})
	}
	for m := date(2023, 1, 10); !m.After(date(2024, 6, 10)); m = m.AddDate(0, 1, 0) {
		buy("a", m, 100)
		buy("b", m, 100)
		if m.Before(date(2024, 6, 1)) {
			buy("e", m, 100)
		}
	}
	buy("d", date(2023, 1, 1), 50)
	buy("d", date(2023, 2, 1), 50)
	buy("d", date(2024, 6, 15), 50)
	require.NoError(t, s.crm.AppendTransactions(ctx, txs...))
	require.NoError(t, s.crm.AppendTouchpoints(ctx, crm.Touchpoint{ID: "ref-b", CustomerID: "b", Time: date(2024, 5, 20), Channel: crm.ChannelWeb, Kind: crm.TouchReferral},
		crm.Touchpoint{ID: "mail-a", CustomerID: "a", Time: date(2024, 6, 2), Channel: crm.ChannelEmail, Kind: crm.TouchCampaign},
		crm.Touchpoint{ID: "mail-d", CustomerID: "d", Time: date(2024, 6, 3), Channel: crm.ChannelEmail, Kind: crm.TouchCampaign},
		crm.Touchpoint{ID: "sms-e", CustomerID: "e", Time: date(2024, 5, 3), Channel: crm.ChannelSMS, Kind: crm.TouchCampaign}))
	require.NoError(t, s.desk.AppendSurveys(ctx, feedback.Survey{ID: "s1", CustomerID: "a", Type: feedback.NPS, Score: 10, At: date(2024, 6, 20)}))
	// One complaint in June, answered within the hour.
	s.clock = date(2024, 6, 5)
	desk, err := feedback.NewDesk(s.desk, []feedback.Agent{{Name: "ana"}}, &feedback.Options{Clock: func() time.Time { return s.clock }})
	require.NoError(t, err)
	it, _, err := desk.Submit(ctx, feedback.Intake{CustomerID: "e", Kind: feedback.Complaint, Channel: crm.ChannelEmail, Category: "late delivery", Text: "late"}, "ana")
	require.NoError(t, err)
	s.clock = s.clock.Add(30 * time.Minute)
	_, err = desk.Step(ctx, it.ID, feedback.Acknowledge, feedback.Content{Apology: "sorry"}, "ana")
	require.NoError(t, err)
	_, err = s.segs.CreateSegmentation(ctx, *segment.RFMSegments())
	require.NoError(t, err)
	s.loop, err = cycle.New(s.stores(), s.options())
	require.NoError(t, err)
	return s
}

func (s *small) stores() cycle.Stores {
	return cycle.Stores{Customers: s.crm, Transactions: s.crm, Touchpoints: s.crm, Segments: s.segs, Lifecycle: s.life,
		Feedback: s.desk, Results: s.out, Periods: s.out}
}

func (s *small) options() *cycle.Options {
	return &cycle.Options{Churn: &lifecycle.ChurnPolicy{IgnorePAlive: true}}
}

func value(t *testing.T, p *cycle.Period, name, cut string) float64 {
	t.Helper()
	v, ok := p.Value(name, cut)
	require.True(t, ok, "the period has no %s %q", name, cut)
	return v
}

func TestLoopSmallBusinessByHand(t *testing.T) {
	ctx := context.Background()
	s := newSmall(t)
	p1, err := s.loop.Run(ctx, date(2024, 6, 1))
	require.NoError(t, err)
	require.True(t, p1.From.Equal(date(2024, 5, 2)), "a first run measures Options.Period (30 days)")
	require.Equal(t, 4.0, value(t, p1, cycle.MetricCustomers, ""), "c signs up later")
	require.Equal(t, 1.0, value(t, p1, cycle.MetricStage, "stage=lapsed"), "d")
	require.Equal(t, 1.0, value(t, p1, cycle.MetricAdvocates, ""), "b referred a friend")

	p2, err := s.loop.Run(ctx, date(2024, 7, 1))
	require.NoError(t, err)
	require.True(t, p2.From.Equal(date(2024, 6, 1)), "the second period starts at the first run")
	require.Equal(t, "EUR", p2.Currency)
	for name, want := range map[string]float64{
		cycle.MetricCustomers:      5,
		cycle.MetricNewCustomers:   1, // c
		cycle.MetricBuyers:         4,
		cycle.MetricPurchases:      3,   // a and b on June 10, d on June 15
		cycle.MetricRevenue:        250, // 100 + 100 + 50
		cycle.MetricAdvocates:      2,   // a (NPS 10) and b (a referral)
		cycle.MetricReactivations:  1,   // d
		cycle.MetricRefusedMoves:   0,
		cycle.MetricNPS:            1, // one promoter
		cycle.MetricNPSPromoters:   1,
		cycle.MetricOpenItems:      1,
		cycle.MetricSLAAttainment:  1,
		cycle.MetricTransactionLag: 16, // June 15 to July 1
		cycle.MetricTouchpointLag:  28, // June 3 to July 1
	} {
		require.Equal(t, want, value(t, p2, name, ""), name)
	}
	m, _ := p2.Get(cycle.MetricRetention, "")
	require.Equal(t, 3, m.N, "a, b and e bought in May 2–June 1")
	require.InDelta(t, 2.0/3, m.Value, 1e-12, "e did not buy in June")
	require.True(t, m.Interval() && m.Low < m.Value && m.Value < m.High)
	// Cohort retention: a, b and e bought 1, 3, 6 and 12 months after
	// their first month (January 2023); d only a month after.
	for k, want := range map[string]float64{"1": 1, "3": 0.75, "6": 0.75, "12": 0.75} {
		m, ok := p2.Get(cycle.MetricCohortRetention, cycle.Cut("months", k))
		require.True(t, ok, k)
		require.Equal(t, want, m.Value, k)
		require.Equal(t, 4, m.N, k)
	}
	for stage, want := range map[string]float64{"advocate": 2, "prospect": 1, "reactivated": 1, "at_risk": 1, "loyal": 0, "lapsed": 0} {
		require.Equal(t, want, value(t, p2, cycle.MetricStage, cycle.Cut("stage", stage)), stage)
	}
	require.Equal(t, 1.0, value(t, p2, cycle.MetricFlow, cycle.Cut("from", "lapsed", "to", "reactivated")))
	require.Equal(t, 1.0, value(t, p2, cycle.MetricFlow, cycle.Cut("from", "new", "to", "prospect")), "c's first stage")
	require.Equal(t, 0.4, value(t, p2, cycle.MetricCompleteness, cycle.Cut("field", "email")), "a and c of five")
	require.Equal(t, 1.0, value(t, p2, cycle.MetricItems, cycle.Cut("kind", "complaint")))
	require.Equal(t, 2.0, value(t, p2, cycle.MetricContacts, cycle.Cut("channel", "email")), "two mailings in June")
	_, ok := p2.Value(cycle.MetricContacts, cycle.Cut("channel", "sms"))
	require.False(t, ok, "the text message went out in May")
	require.Equal(t, 1.0, value(t, p2, cycle.MetricCauseShare, cycle.Cut("cause", "late delivery")))
	require.Equal(t, 0.5, value(t, p2, cycle.MetricFirstResponseHours, ""))

	// Every customer's result is in the store.
	want := map[string]string{"a": "advocate", "b": "advocate", "c": "prospect", "d": "reactivated", "e": "at_risk"}
	n := 0
	for r, err := range s.out.ResultsAt(ctx, date(2024, 7, 1)) {
		require.NoError(t, err)
		require.Equal(t, want[r.CustomerID], r.Stage, r.CustomerID)
		require.Equal(t, r.CustomerID != "c", r.Buyer, r.CustomerID)
		_, valued := p2.Value(cycle.MetricCLVTotal, "")
		require.Equal(t, valued && r.Buyer, r.Valued, "%s: valued when the models fit, and only buyers", r.CustomerID)
		n++
	}
	require.Equal(t, 5, n)
	e, err := s.out.Result(ctx, "e", date(2024, 7, 1))
	require.NoError(t, err)
	require.Equal(t, "warning", e.Churn)
	st, err := s.life.State(ctx, "d")
	require.NoError(t, err)
	require.Equal(t, "reactivated", st.Stage, "the tracker recorded the move")
}

// The report shows every metric in its unit, with intervals and changes.
func TestWriteReport(t *testing.T) {
	ctx := context.Background()
	s := newSmall(t)
	p1, err := s.loop.Run(ctx, date(2024, 6, 1))
	require.NoError(t, err)
	p2, err := s.loop.Run(ctx, date(2024, 7, 1))
	require.NoError(t, err)
	var b strings.Builder
	require.NoError(t, cycle.WriteReport(&b, p2, p1))
	out := b.String()
	require.Contains(t, out, "period 2024-06-01 to 2024-07-01 (changes since the previous period, which ended 2024-06-01; * significant at 5%)")
	lines := map[string]bool{}
	for l := range strings.SplitSeq(out, "\n") {
		lines[strings.Join(strings.Fields(l), " ")] = true
	}
	for _, want := range []string{
		"== portfolio", "== lifecycle", "== performance",
		"revenue 250.00 EUR -50.00", // 300 in May
		"customers 5 +1",
		"flow lapsed → reactivated 1",
		"retention 66.7% (20.8% to 93.9%, n = 3) -33.3%",
		"stage advocate 2 +1",
		"stage loyal 0 -2",
		"nps +100 (-48 to +98, n = 1)",
		"first_response_median_hours 0.5",
	} {
		require.True(t, lines[want], "no line %q", want)
	}
	require.NotContains(t, out, "segment_entered rfm / Promising", "zero now and no earlier figure: left out")
	require.NotContains(t, out, "resolution_median_hours", "nothing resolved")
	require.Less(t, strings.Index(out, "== portfolio"), strings.Index(out, "== lifecycle"), "processes in order")
}

// A schema with windows has them computed in the loop's one pass, from the
// stores it already has: purchases from the transactions, contacts from
// the touchpoints, open complaints from the desk.
func TestLoopComputesWindows(t *testing.T) {
	ctx := context.Background()
	s := newSmall(t)
	schema, err := lifecycle.Schema().WithWindows(
		segment.Window{Name: "purchases_90d", Measure: segment.WindowPurchases, Days: 90},
		segment.Window{Name: "contacts_60d", Measure: segment.WindowContacts, Days: 60},
		segment.Window{Name: "open_complaints", Measure: segment.WindowOpenCases, Category: string(feedback.Complaint)})
	require.NoError(t, err)
	_, err = s.segs.CreateSegmentation(ctx, segment.Segmentation{Name: "behaviour", Mode: segment.Overlapping, Segments: []segment.Segment{
		{Name: "steady", Priority: 1, Rule: "purchases_90d >= 3"},
		{Name: "contacted", Priority: 2, Rule: "contacts_60d > 0"},
		{Name: "complaining", Priority: 3, Rule: "open_complaints > 0"},
	}})
	require.NoError(t, err)
	opt := s.options()
	opt.Schema = schema
	loop, err := cycle.New(s.stores(), opt)
	require.NoError(t, err)
	_, err = loop.Run(ctx, date(2024, 7, 1))
	require.NoError(t, err)
	m, err := s.segs.Snapshot(ctx, "behaviour", date(2024, 7, 1))
	require.NoError(t, err)
	require.Equal(t, map[string][]string{
		"a": {"steady", "contacted"},      // a purchase on the 10th of April, May and June; a mail on June 2
		"b": {"steady", "contacted"},      // the same, and a referral on May 20
		"d": {"contacted"},                // one purchase in June; a mail on June 3
		"e": {"contacted", "complaining"}, // April and May only; an SMS on May 3; the June complaint is open
	}, m.Members)

	noDesk := s.stores()
	noDesk.Feedback = nil
	_, err = cycle.New(noDesk, opt)
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, "stores.feedback (for the window open_complaints)")
}
