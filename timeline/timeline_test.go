package timeline_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/campaign"
	"github.com/crmkit/crm/cycle"
	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/lifecycle"
	"github.com/crmkit/crm/timeline"
)

func at(m time.Month, d, h int) time.Time { return time.Date(2025, m, d, h, 0, 0, 0, time.UTC) }

func eur(v int64) crm.Money { return crm.Money{Amount: decimal.NewFromInt(v), Currency: "EUR"} }

// world is one customer's history in every store.
type world struct {
	crm      *crm.MemoryStore
	desk     *feedback.MemoryStore
	life     *lifecycle.MemoryStore
	out      *cycle.MemoryStore
	contacts *campaign.MemoryStore
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{crm.NewMemoryStore(), feedback.NewMemoryStore(), lifecycle.NewMemoryStore(), cycle.NewMemoryStore(), campaign.NewMemoryStore()}
	_, err := w.crm.CreateCustomer(ctx, crm.Customer{ID: "ana", Name: "Ana Ruiz", CreatedAt: at(1, 2, 9),
		Preferences: crm.Preferences{AccountManager: "Tom", Interests: []string{"running"}, ImportantDates: []crm.ImportantDate{{Label: "birthday", Month: 6, Day: 12}}}})
	require.NoError(t, err)
	_, err = w.crm.CreateCustomer(ctx, crm.Customer{ID: "bo", Name: "Bo", CreatedAt: at(1, 1, 9)})
	require.NoError(t, err)
	// Ana's record changes three times: an address in March, a new phone
	// and country in April, and once with no date (which no timeline can
	// place).
	ana, err := w.crm.Customer(ctx, "ana")
	require.NoError(t, err)
	for _, change := range []func(c *crm.Customer){
		func(c *crm.Customer) { c.Email, c.UpdatedAt = "ana@example.org", at(3, 15, 8) },
		func(c *crm.Customer) {
			c.Phone, c.Demographics.Country, c.UpdatedAt = "+34 600 000 001", "ES", at(4, 20, 11)
		},
		func(c *crm.Customer) { c.Tags, c.UpdatedAt = []string{"runner"}, time.Time{} },
	} {
		change(&ana)
		ana, err = w.crm.UpdateCustomer(ctx, ana)
		require.NoError(t, err)
	}
	buy := func(id, customer string, when time.Time, amount int64) crm.Transaction {
		return crm.Transaction{ID: id, CustomerID: customer, Time: when, Amount: decimal.NewFromInt(amount), Currency: "EUR", Kind: crm.Purchase}
	}
	require.NoError(t, w.crm.AppendTransactions(ctx, buy("t1", "ana", at(1, 5, 12), 80), buy("t2", "ana", at(3, 1, 12), 120), buy("t3", "bo", at(2, 1, 12), 10)))
	require.NoError(t, w.crm.AppendTouchpoints(ctx, crm.Touchpoint{ID: "p1", CustomerID: "ana", Time: at(2, 10, 15), Channel: crm.ChannelPhone, Kind: crm.TouchInquiry, Experience: 4}))
	clock := at(5, 20, 9)
	desk, err := feedback.NewDesk(w.desk, []feedback.Agent{{Name: "eli"}}, &feedback.Options{Clock: func() time.Time { return clock }})
	require.NoError(t, err)
	it, _, err := desk.Submit(ctx, feedback.Intake{CustomerID: "ana", Kind: feedback.Complaint, Channel: crm.ChannelEmail, Category: "late delivery", Text: "late"}, "eli")
	require.NoError(t, err)
	clock = at(5, 20, 10)
	_, err = desk.Step(ctx, it.ID, feedback.Acknowledge, feedback.Content{Apology: "sorry"}, "eli")
	require.NoError(t, err)
	tracker, err := lifecycle.NewTracker(w.life, nil)
	require.NoError(t, err)
	for _, c := range []lifecycle.Classification{{CustomerID: "ana", Stage: "first_time_buyer", AsOf: at(2, 1, 0)}, {CustomerID: "ana", Stage: "repeat_buyer", AsOf: at(4, 1, 0)}} {
		_, err := tracker.Apply(ctx, c)
		require.NoError(t, err)
	}
	require.NoError(t, w.out.AppendResults(ctx,
		cycle.Result{CustomerID: "ana", AsOf: at(2, 1, 0), Stage: "first_time_buyer", Buyer: true, Valued: true, Tier: "Iron", CLV: eur(300), RFMSegment: "New Customers"},
		cycle.Result{CustomerID: "ana", AsOf: at(4, 1, 0), Stage: "repeat_buyer", Buyer: true, Valued: true, Tier: "Gold", CLV: eur(900), RFMSegment: "New Customers"}))
	require.NoError(t, w.contacts.AppendContacts(ctx, campaign.Contact{ID: "spring/ana", CustomerID: "ana", Campaign: "spring", Play: "offer", At: at(4, 2, 9),
		Sent: true, Channel: crm.ChannelEmail, Subject: "Spring shoes", SendAt: at(4, 2, 10)}))
	require.NoError(t, w.contacts.AppendOutcomes(ctx, campaign.Outcome{ID: "o1", Contact: "spring/ana", Campaign: "spring", Kind: campaign.Converted, At: at(4, 9, 18)}))
	return w
}

func (w *world) sources() []timeline.Source {
	return []timeline.Source{timeline.Record(w.crm), timeline.Transactions(w.crm), timeline.Touchpoints(w.crm), timeline.Desk(w.desk),
		timeline.Lifecycle(w.life), timeline.Results(w.out), timeline.Contacts(w.contacts)}
}

// One stream per customer, every source merged in time order.
func TestTimeline(t *testing.T) {
	w := newWorld(t)
	var got []string
	for ev, err := range timeline.Of(context.Background(), "ana", w.sources()...) {
		require.NoError(t, err)
		got = append(got, ev.At.Format("01-02 15h")+" "+ev.Source+": "+ev.Summary)
	}
	require.Equal(t, []string{
		"01-02 09h record: became a customer",
		"01-05 12h transaction: purchase 80.00 EUR",
		"02-01 00h lifecycle: new → first_time_buyer ()",
		"02-01 00h results: tier: Iron",
		"02-01 00h results: rfm segment: New Customers",
		"02-10 15h touchpoint: inquiry by phone, rated 4 of 5",
		"03-01 12h transaction: purchase 120.00 EUR",
		"03-15 08h record: changed email (→ \"ana@example.org\")",
		"04-01 00h lifecycle: first_time_buyer → repeat_buyer ()",
		"04-01 00h results: tier: Iron → Gold",
		"04-02 10h contact: spring: \"Spring shoes\" by email",
		"04-09 18h contact: spring: converted",
		"04-20 11h record: changed demographics.country (→ \"ES\"), phone (→ \"+34 600 000 001\")",
		"05-20 09h desk: F00000001 complaint by email: late delivery",
		"05-20 10h desk: F00000001 acknowledge → acknowledged by eli",
	}, got)
	for _, err := range timeline.Of(context.Background(), "nobody", w.sources()...) {
		t.Fatalf("an unknown customer has no events (%v)", err)
	}
}

// A source's error ends the timeline with it; stopping early is allowed.
func TestTimelineErrorsAndEarlyStop(t *testing.T) {
	w := newWorld(t)
	boom := errors.New("disk on fire")
	failing := timeline.SourceFunc(func(context.Context, string) iter.Seq2[timeline.Event, error] {
		return func(yield func(timeline.Event, error) bool) {
			if yield(timeline.Event{At: at(3, 3, 0), Source: "x", Summary: "first"}, nil) {
				yield(timeline.Event{}, boom)
			}
		}
	})
	var n int
	var last error
	for _, err := range timeline.Of(context.Background(), "ana", append(w.sources(), failing)...) {
		n++
		last = err
		if err != nil {
			break
		}
	}
	require.ErrorIs(t, last, boom)
	require.Equal(t, 9, n, "seven events up to 1 March, the failing source's first (3 March), then its error")
	n = 0
	for range timeline.Of(context.Background(), "ana", w.sources()...) {
		if n++; n == 3 {
			break
		}
	}
	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, err := range timeline.Of(cctx, "ana", timeline.Transactions(w.crm)) {
		require.ErrorIs(t, err, context.Canceled)
		break
	}
}

// The brief is what an agent reads before calling.
func TestBrief(t *testing.T) {
	w := newWorld(t)
	b, err := timeline.NewBrief(context.Background(), "ana", timeline.BriefSources{Customers: w.crm, Results: w.out, Desk: w.desk, Timeline: w.sources()}, at(6, 1, 9))
	require.NoError(t, err)
	require.Equal(t, "Ana Ruiz", b.Customer.Name)
	require.Equal(t, "Tom", b.Customer.Preferences.AccountManager)
	require.Equal(t, "Gold", b.Result.Tier)
	require.Equal(t, "repeat_buyer", b.Result.Stage)
	require.Len(t, b.OpenItems, 1)
	require.Equal(t, "late delivery", b.OpenItems[0].Category)
	require.True(t, b.LastPurchase.Equal(at(3, 1, 12)))
	require.NotNil(t, b.LastContact)
	require.True(t, strings.HasPrefix(b.LastContact.Summary, "F00000001 acknowledge"), b.LastContact.Summary)
	require.Equal(t, []crm.ImportantDate{{Label: "birthday", Month: 6, Day: 12}}, b.NextDates, "the birthday in 11 days")
	b, err = timeline.NewBrief(context.Background(), "ana", timeline.BriefSources{Customers: w.crm}, at(7, 1, 9))
	require.NoError(t, err)
	require.Empty(t, b.NextDates)
	require.Zero(t, b.Result.Tier, "no results source")
	_, err = timeline.NewBrief(context.Background(), "nobody", timeline.BriefSources{Customers: w.crm}, at(7, 1, 9))
	require.ErrorIs(t, err, crm.ErrNotFound)
}

// BenchmarkTimeline merges one customer's 10,000 events from three
// sources (target ≤ 10 ms).
func BenchmarkTimeline(b *testing.B) {
	ctx := context.Background()
	s := crm.NewMemoryStore()
	life := lifecycle.NewMemoryStore()
	var txs []crm.Transaction
	var tps []crm.Touchpoint
	start := at(1, 1, 0)
	for i := range 5000 {
		txs = append(txs, crm.Transaction{ID: fmt.Sprint("t", i), CustomerID: "ana", Time: start.Add(time.Duration(i) * time.Hour), Amount: decimal.NewFromInt(10), Currency: "EUR", Kind: crm.Purchase})
		tps = append(tps, crm.Touchpoint{ID: fmt.Sprint("p", i), CustomerID: "ana", Time: start.Add(time.Duration(i)*time.Hour + 30*time.Minute), Channel: crm.ChannelWeb, Kind: crm.TouchVisit})
	}
	if err := s.AppendTransactions(ctx, txs...); err != nil {
		b.Fatal(err)
	}
	if err := s.AppendTouchpoints(ctx, tps...); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		n := 0
		for _, err := range timeline.Of(ctx, "ana", timeline.Transactions(s), timeline.Touchpoints(s), timeline.Lifecycle(life)) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 10_000 {
			b.Fatalf("%d events", n)
		}
	}
}
