package scoring_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/sampledata"
	"github.com/crmkit/crm/scoring"
)

func touch(id, customer string, at time.Time, ch crm.Channel, r crm.Rating) crm.Touchpoint {
	return crm.Touchpoint{ID: id, CustomerID: customer, Time: at, Channel: ch, Kind: crm.TouchSupport, Experience: r}
}

func tpSeq(tps ...crm.Touchpoint) func(func(crm.Touchpoint, error) bool) {
	return func(yield func(crm.Touchpoint, error) bool) {
		for _, tp := range tps {
			if !yield(tp, nil) {
				return
			}
		}
	}
}

func TestExperienceIndexByHand(t *testing.T) {
	asOf := day("2025-06-30")
	half := 30 * 24 * time.Hour
	got, channels, err := scoring.ExperienceIndex(context.Background(), tpSeq(
		touch("1", "a", asOf, crm.ChannelWeb, 5),                         // weight 1, score 100
		touch("2", "a", asOf.Add(-half), crm.ChannelPhone, 1),            // weight 1/2, score 0
		touch("3", "a", asOf.Add(-2*half), crm.ChannelPhone, 3),          // weight 1/4, score 50
		touch("4", "a", asOf.Add(time.Hour), crm.ChannelPhone, 1),        // after asOf: ignored
		touch("5", "a", asOf, crm.ChannelWeb, crm.NotRated),              // unrated: ignored
		touch("6", "b", asOf.Add(-10*half), crm.ChannelStore, 4),         // one old rating is still the mean
		touch("7", "c", asOf.Add(-half), crm.ChannelEmail, crm.NotRated), // no rating: no entry
		touch("8", "d", asOf.Add(-2000*half), crm.ChannelStore, 5),       // 164 years old: still a mean
	), asOf, &scoring.ExperienceOptions{HalfLife: half})
	require.NoError(t, err)
	require.Len(t, got, 3)
	require.Equal(t, 100.0, got[2].Index)
	require.Positive(t, got[2].Weight)
	a := got[0]
	require.Equal(t, "a", a.CustomerID)
	require.Equal(t, 3, a.Ratings)
	require.InDelta(t, 1.75, a.Weight, 1e-12)
	require.InDelta(t, (100+0+0.25*50)/1.75, a.Index, 1e-9)
	// Worst channel first: phone (0·½ + 50·¼)/¾ = 16.7, then web 100.
	require.Equal(t, crm.ChannelPhone, a.Channels[0].Channel)
	require.InDelta(t, 12.5/0.75, a.Channels[0].Index, 1e-9)
	require.Equal(t, crm.ChannelWeb, a.Channels[1].Channel)
	require.InDelta(t, 75, got[1].Index, 1e-9)
	require.Equal(t, crm.ChannelPhone, channels[0].Channel)

	_, _, err = scoring.ExperienceIndex(context.Background(), tpSeq(), asOf, &scoring.ExperienceOptions{HalfLife: -time.Hour})
	require.ErrorIs(t, err, crm.ErrInvalid)
	_, _, err = scoring.ExperienceIndex(context.Background(), tpSeq(touch("x", "a", asOf, crm.ChannelWeb, 9)), asOf, nil)
	require.ErrorContains(t, err, `touchpoint "x": rating 9 is outside 1..5`)
}

// The generator plants the phone hotline as the weakest channel and the
// store as the best.
func TestExperienceFindsTheWeakChannel(t *testing.T) {
	cfg := sampledata.DefaultConfig()
	cfg.Customers = 5000
	g, err := sampledata.NewGenerator(cfg)
	require.NoError(t, err)
	customers, channels, err := scoring.ExperienceIndex(context.Background(), g.Touchpoints(), cfg.End, nil)
	require.NoError(t, err)
	require.Greater(t, len(customers), 4000)
	require.Equal(t, crm.ChannelPhone, channels[0].Channel)
	require.Equal(t, crm.ChannelStore, channels[len(channels)-1].Channel)
	for _, c := range customers {
		require.True(t, c.Index >= 0 && c.Index <= 100)
		for i := 1; i < len(c.Channels); i++ {
			require.LessOrEqual(t, c.Channels[i-1].Index, c.Channels[i].Index)
		}
	}
}
