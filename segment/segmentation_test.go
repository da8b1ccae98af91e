package segment_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/sampledata"
	"github.com/crmkit/crm/scoring"
	"github.com/crmkit/crm/segment"
)

func profiles(ps ...*segment.Profile) func(func(*segment.Profile, error) bool) {
	return func(yield func(*segment.Profile, error) bool) {
		for _, p := range ps {
			if !yield(p, nil) {
				return
			}
		}
	}
}

func rfmProfile(t testing.TB, s *segment.Schema, id string, r, f, m int) *segment.Profile {
	p := s.NewProfile(id, asOf)
	require.NoError(t, p.SetNumber("r_score", float64(r)))
	require.NoError(t, p.SetNumber("f_score", float64(f)))
	require.NoError(t, p.SetNumber("m_score", float64(m)))
	return p
}

// A hand-worked RFM table: each row's segment follows from the preset's
// table read top-down.
func TestRFMPresetByHand(t *testing.T) {
	s := segment.DefaultSchema()
	a, err := segment.RFMSegments().Compile(s)
	require.NoError(t, err)
	for _, c := range []struct {
		r, f, m int
		want    string
	}{
		{5, 5, 5, "Champions"}, {4, 4, 4, "Champions"}, {4, 4, 3, "Loyal Customers"}, {3, 5, 5, "Loyal Customers"},
		{2, 5, 5, "Can't Lose Them"}, {1, 4, 4, "Can't Lose Them"}, {1, 5, 3, "At Risk"}, {2, 3, 1, "At Risk"},
		{5, 2, 1, "Potential Loyalist"}, {3, 4, 2, "Potential Loyalist"}, {5, 1, 5, "New Customers"},
		{4, 1, 1, "Promising"}, {3, 1, 4, "About To Sleep"}, {2, 1, 1, "About To Sleep"},
		{2, 2, 5, "Need Attention"}, {1, 2, 1, "Hibernating"}, {1, 1, 5, "Lost"},
	} {
		p := rfmProfile(t, s, "x", c.r, c.f, c.m)
		require.Equal(t, []string{c.want}, a.Match(p), "R%d F%d M%d", c.r, c.f, c.m)
	}
	// Every one of the 125 cells lands in exactly one segment, and every
	// segment is reached.
	var ps []*segment.Profile
	for r := 1; r <= 5; r++ {
		for f := 1; f <= 5; f++ {
			for m := 1; m <= 5; m++ {
				ps = append(ps, rfmProfile(t, s, fmt.Sprintf("%d%d%d", r, f, m), r, f, m))
			}
		}
	}
	mem, err := a.Assign(context.Background(), profiles(ps...), asOf)
	require.NoError(t, err)
	require.Equal(t, 125, mem.Total)
	require.Zero(t, mem.Unassigned)
	sum := 0
	for _, seg := range segment.RFMSegments().Segments {
		require.Positive(t, mem.Counts[seg.Name], "%s is reachable", seg.Name)
		sum += mem.Counts[seg.Name]
	}
	require.Equal(t, 125, sum)
	for id, segs := range mem.Members {
		require.Len(t, segs, 1, id)
		// One table: the profile's segment is the score's.
		score := scoring.RFMScore{R: int(id[0] - '0'), F: int(id[1] - '0'), M: int(id[2] - '0')}
		require.Equal(t, score.Segment(scoring.RFMSegments()), segs[0], "cell %s", id)
	}
	// Prospects have no scores: no segment.
	mem, err = a.Assign(context.Background(), profiles(s.NewProfile("prospect", asOf)), asOf)
	require.NoError(t, err)
	require.Equal(t, 1, mem.Unassigned)
}

func TestOverlappingSegmentationAndDiff(t *testing.T) {
	s := testSchema(t)
	seg := &segment.Segmentation{Name: "marketing", Mode: segment.Overlapping, Segments: []segment.Segment{
		{Name: "vip", Priority: 2, Rule: `tags contains "vip"`},
		{Name: "recent", Priority: 1, Rule: `recency_days <= 30`},
		{Name: "big", Priority: 3, Rule: `monetary >= 500`},
	}}
	a, err := seg.Compile(s)
	require.NoError(t, err)
	al := alice(t, s)
	bob := s.NewProfile("bob", asOf)
	require.NoError(t, bob.SetNumber("recency_days", 200))
	require.NoError(t, bob.SetNumber("monetary", 900))
	cat := s.NewProfile("cat", asOf)
	before, err := a.Assign(context.Background(), profiles(al, bob, cat), asOf)
	require.NoError(t, err)
	require.Equal(t, []string{"recent", "vip", "big"}, before.Members["alice"], "priority order")
	require.Equal(t, []string{"big"}, before.Members["bob"])
	require.NotContains(t, before.Members, "cat")
	require.Equal(t, map[string]int{"vip": 1, "recent": 1, "big": 2}, before.Counts)
	require.Equal(t, 1, before.Unassigned)
	streamed := a.NewMembership(asOf)
	for _, p := range []*segment.Profile{al, bob, cat} {
		a.Add(streamed, p)
	}
	require.Equal(t, before, streamed, "Add over a stream gives what Assign gives")
	preview := a.Preview(before)
	require.Equal(t, segment.SegmentSize{Segment: "recent", Count: 1, Share: 1.0 / 3}, preview[0])

	// A month later alice has lapsed and bob came back.
	al2 := alice(t, s)
	require.NoError(t, al2.SetNumber("recency_days", 45))
	bob2 := s.NewProfile("bob", asOf)
	require.NoError(t, bob2.SetNumber("recency_days", 3))
	require.NoError(t, bob2.SetNumber("monetary", 900))
	after, err := a.Assign(context.Background(), profiles(al2, bob2), asOf)
	require.NoError(t, err)
	require.Equal(t, []segment.Change{
		{CustomerID: "alice", Exited: []string{"recent"}},
		{CustomerID: "bob", Entered: []string{"recent"}},
	}, segment.Diff(before, after))
	// Leaving the data set exits every segment.
	gone, err := a.Assign(context.Background(), profiles(bob2), asOf)
	require.NoError(t, err)
	require.Equal(t, []segment.Change{{CustomerID: "alice", Exited: []string{"vip", "big"}}}, segment.Diff(after, gone))

	// Every problem of a definition at once, naming the segment.
	bad := &segment.Segmentation{Name: "", Mode: "both", Segments: []segment.Segment{{Name: "a", Rule: "x >"}, {Name: "a", Rule: "frequncy = 1"}}}
	_, err = bad.Compile(s)
	require.ErrorIs(t, err, crm.ErrInvalid)
	for _, want := range []string{"name: empty", `mode: "both"`, `segments[0] "a": segment: line 1, column 4`, `segments[1] "a": duplicate name`, `did you mean "frequency"`} {
		require.ErrorContains(t, err, want)
	}
}

// Profiles from the stores and a scoring run, then the presets.
func TestProfilesFromStoresAndPresets(t *testing.T) {
	ctx := context.Background()
	cfg := sampledata.DefaultConfig()
	cfg.Customers = 3000
	g, err := sampledata.NewGenerator(cfg)
	require.NoError(t, err)
	store := crm.NewMemoryStore()
	require.NoError(t, g.Load(ctx, store))
	sums, err := scoring.Summarize(ctx, store.Transactions(ctx), cfg.End, nil)
	require.NoError(t, err)
	rfm, _, err := scoring.RFM(sums, nil)
	require.NoError(t, err)
	values := make([]scoring.CustomerValue, len(sums))
	for i, s := range sums { // tiers by spend so far, standing in for CLV
		values[i] = scoring.CustomerValue{CustomerID: s.CustomerID, CLV: crm.Money{Amount: s.Total, Currency: s.Currency}}
	}
	tiering, err := scoring.TiersByCLV(values, scoring.DefaultTiers())
	require.NoError(t, err)
	schema, err := segment.DefaultSchema().With(segment.Field{Name: "plan", Type: segment.String})
	require.NoError(t, err)
	var ps []*segment.Profile
	for p, err := range segment.Profiles(ctx, store.Customers(ctx), segment.Scores{Summaries: sums, RFM: rfm, Values: values, Tiering: tiering}, schema, cfg.End) {
		require.NoError(t, err)
		ps = append(ps, p)
	}
	require.Len(t, ps, 3000)

	groups, err := segment.CommunicationGroups().Compile(schema)
	require.NoError(t, err)
	mem, err := groups.Assign(ctx, profiles(ps...), cfg.End)
	require.NoError(t, err)
	require.Zero(t, mem.Unassigned, "everyone is a prospect, a first-time or a repeat buyer")
	first, repeat := 0, 0
	for _, s := range sums {
		if s.Frequency == 0 {
			first++
		} else {
			repeat++
		}
	}
	require.Equal(t, 3000-len(sums), mem.Counts["Prospects"])
	require.Equal(t, first, mem.Counts["First-time buyers"])
	require.Equal(t, repeat, mem.Counts["Repeat buyers"])

	tierSeg, err := segment.TierSegments(scoring.DefaultTiers()).Compile(schema)
	require.NoError(t, err)
	mem, err = tierSeg.Assign(ctx, profiles(ps...), cfg.End)
	require.NoError(t, err)
	for k, r := range tiering.Reports {
		require.Equal(t, r.Customers, mem.Counts[scoring.DefaultTiers().Tiers[k].Name])
	}
	rfmSeg, err := segment.RFMSegments().Compile(schema)
	require.NoError(t, err)
	mem, err = rfmSeg.Assign(ctx, profiles(ps...), cfg.End)
	require.NoError(t, err)
	require.Equal(t, 3000-len(sums), mem.Unassigned, "only prospects lack scores")

	// A rule over built-in and scoring fields, checked against the data.
	m := segment.MustCompile(`recency_days <= 30 and purchases >= 3`, schema)
	want := 0
	for _, s := range sums {
		// recency_days counts whole days.
		if math.Floor(cfg.End.Sub(s.Last).Hours()/24) <= 30 && s.Count >= 3 {
			want++
		}
	}
	got := 0
	for _, p := range ps {
		if m.Match(p) {
			got++
		}
	}
	require.Equal(t, want, got)
	require.Positive(t, got)

	// A custom attribute of the wrong type is refused with the customer.
	c, err := store.Customer(ctx, sampledata.CustomerID(0))
	require.NoError(t, err)
	c.Attributes = map[string]crm.Value{"plan": crm.NumberValue(3)}
	one := func(yield func(crm.Customer, error) bool) { yield(c, nil) }
	for _, err := range segment.Profiles(ctx, one, segment.Scores{}, schema, cfg.End) {
		require.ErrorContains(t, err, `attribute "plan" is a number, the schema field is a string`)
	}
}

// Profiles join the scoring results to the customers whatever the order of
// either, and tiers given as a Tiering read the same as tiers by customer.
func TestProfilesJoinInAnyOrder(t *testing.T) {
	ctx := context.Background()
	cfg := sampledata.DefaultConfig()
	cfg.Customers = 1500
	g, err := sampledata.NewGenerator(cfg)
	require.NoError(t, err)
	var customers []crm.Customer
	for c, err := range g.Customers() {
		require.NoError(t, err)
		customers = append(customers, c)
	}
	sums, err := scoring.Summarize(ctx, g.Transactions(), cfg.End, nil)
	require.NoError(t, err)
	require.Less(t, len(sums), len(customers), "some customers are prospects")
	rfm, _, err := scoring.RFM(sums, nil)
	require.NoError(t, err)
	values := make([]scoring.CustomerValue, len(sums))
	for i, s := range sums {
		values[i] = scoring.CustomerValue{CustomerID: s.CustomerID, CLV: crm.Money{Amount: s.Total, Currency: s.Currency}, Alive: float64(i%10) / 10}
	}
	tiering, err := scoring.TiersByCLV(values, scoring.DefaultTiers())
	require.NoError(t, err)
	schema := segment.DefaultSchema()
	build := func(cs []crm.Customer, sc segment.Scores) map[string]map[string]any {
		stream := func(yield func(crm.Customer, error) bool) {
			for _, c := range cs {
				if !yield(c, nil) {
					return
				}
			}
		}
		out := map[string]map[string]any{}
		for p, err := range segment.Profiles(ctx, stream, sc, schema, cfg.End) {
			require.NoError(t, err)
			fields := map[string]any{}
			for _, f := range schema.Fields() {
				if v, ok := p.Get(f.Name); ok {
					fields[f.Name] = v
				}
			}
			out[p.CustomerID] = fields
		}
		return out
	}
	want := build(customers, segment.Scores{Summaries: sums, RFM: rfm, Values: values, Tiering: tiering})
	require.Len(t, want, len(customers))
	tiered := 0
	for _, fields := range want {
		if _, ok := fields["tier"]; ok {
			tiered++
		}
	}
	require.Equal(t, len(sums), tiered)

	r := rand.New(rand.NewPCG(3, 4))
	shuffledCustomers := slices.Clone(customers)
	r.Shuffle(len(shuffledCustomers), func(i, j int) {
		shuffledCustomers[i], shuffledCustomers[j] = shuffledCustomers[j], shuffledCustomers[i]
	})
	perm := r.Perm(len(sums))
	shuffled := segment.Scores{Tiering: &scoring.Tiering{Reports: tiering.Reports}}
	for _, i := range perm {
		shuffled.Summaries = append(shuffled.Summaries, sums[i])
		shuffled.RFM = append(shuffled.RFM, rfm[i])
		shuffled.Values = append(shuffled.Values, values[i])
		shuffled.Tiering.Of = append(shuffled.Tiering.Of, tiering.Of[i])
	}
	require.Equal(t, want, build(shuffledCustomers, segment.Scores{Summaries: sums, RFM: rfm, Values: values, Tiering: tiering}), "customers shuffled")
	require.Equal(t, want, build(customers, shuffled), "scores shuffled")
	require.Equal(t, want, build(shuffledCustomers, shuffled), "both shuffled")

	short := &scoring.Tiering{Of: tiering.Of[1:], Reports: tiering.Reports}
	bad := &scoring.Tiering{Of: slices.Clone(tiering.Of), Reports: tiering.Reports}
	bad.Of[7] = len(tiering.Reports)
	for tiering, want := range map[*scoring.Tiering]string{
		short: fmt.Sprintf("the tiering covers %d customers, the values %d", len(values)-1, len(values)),
		bad:   fmt.Sprintf("the tiering puts customer 7 in tier %d of %d", len(tiering.Reports), len(tiering.Reports)),
	} {
		n := 0
		for _, err := range segment.Profiles(ctx, g.Customers(), segment.Scores{Values: values, Tiering: tiering}, schema, cfg.End) {
			require.ErrorIs(t, err, crm.ErrInvalid)
			require.ErrorContains(t, err, want)
			n++
		}
		require.Equal(t, 1, n, "one error, no profiles")
	}
}
