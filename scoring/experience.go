package scoring

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"math"
	"slices"
	"time"

	"github.com/crmkit/crm"
)

// ExperienceOptions control ExperienceIndex.
type ExperienceOptions struct {
	// HalfLife is how long it takes a rating's weight to halve: a rating
	// HalfLife before asOf counts half as much as one at asOf (default 90
	// days).
	HalfLife time.Duration
}

// ChannelExperience is the experience index of one channel.
type ChannelExperience struct {
	// Channel is the channel rated.
	Channel crm.Channel `json:"channel"`
	// Index is the recency-weighted mean rating mapped from 1..5 to 0..100.
	Index float64 `json:"index"`
	// Ratings counts the rated touchpoints on it.
	Ratings int `json:"ratings"`
	// Weight is the sum of the ratings' weights: how much recent evidence
	// the index rests on (one rating at asOf weighs 1).
	Weight float64 `json:"weight"`
}

// CustomerExperience is one customer's experience index, overall and per
// channel, worst channel first.
type CustomerExperience struct {
	// CustomerID is the customer rated.
	CustomerID string `json:"customer_id"`
	// Index is the recency-weighted mean rating, 1–5.
	Index float64 `json:"index"`
	// Ratings counts the customer's rated touchpoints.
	Ratings int `json:"ratings"`
	// Weight is the sum of the ratings' recency weights.
	Weight float64 `json:"weight"`
	// Channels are the customer's index per channel, worst first.
	Channels []ChannelExperience `json:"channels"`
}

// ExperienceIndex measures how customers experience each channel, from the
// ratings (1..5) on their touchpoints up to asOf. Each rating counts with
// weight 2^(−age/HalfLife), age being asOf minus its time, and an index is
// the weighted mean rating mapped to 0..100 ((rating − 1)/4 · 100). It
// returns one CustomerExperience per customer with at least one rating, in
// order of first appearance, and the whole portfolio's index per channel,
// worst first, so that channels where experiences are poor stand out.
// Unrated touchpoints and those after asOf are ignored.
func ExperienceIndex(ctx context.Context, tps iter.Seq2[crm.Touchpoint, error], asOf time.Time, options *ExperienceOptions) ([]CustomerExperience, []ChannelExperience, error) {
	var opt ExperienceOptions
	if options != nil {
		opt = *options
	}
	if opt.HalfLife == 0 {
		opt.HalfLife = 90 * 24 * time.Hour
	}
	if opt.HalfLife < 0 {
		return nil, nil, fmt.Errorf("scoring: experience: half-life %v must be positive: %w", opt.HalfLife, crm.ErrInvalid)
	}
	type acc struct {
		sum, weight float64
		n           int
	}
	add := func(a *acc, score, w float64) {
		a.sum += w * score
		a.weight += w
		a.n++
	}
	type customer struct {
		id       string
		all      acc
		channels map[crm.Channel]*acc
	}
	index := map[string]int{}
	var customers []customer
	portfolio := map[crm.Channel]*acc{}
	for tp, err := range crm.WithContext(ctx, tps) {
		if err != nil {
			return nil, nil, err
		}
		if tp.Experience == crm.NotRated || tp.Time.After(asOf) {
			continue
		}
		if tp.Experience < crm.MinRating || tp.Experience > crm.MaxRating {
			return nil, nil, fmt.Errorf("scoring: experience: touchpoint %q: rating %d is outside 1..5: %w", tp.ID, tp.Experience, crm.ErrInvalid)
		}
		// Ages beyond 1000 half-lives count as 1000, so that even ancient
		// ratings keep a (tiny) positive weight and a mean.
		age := math.Min(1000, float64(asOf.Sub(tp.Time))/float64(opt.HalfLife))
		w := math.Exp2(-age)
		score := float64(tp.Experience-crm.MinRating) / float64(crm.MaxRating-crm.MinRating) * 100
		k, ok := index[tp.CustomerID]
		if !ok {
			k = len(customers)
			index[tp.CustomerID] = k
			customers = append(customers, customer{id: tp.CustomerID, channels: map[crm.Channel]*acc{}})
		}
		c := &customers[k]
		add(&c.all, score, w)
		if c.channels[tp.Channel] == nil {
			c.channels[tp.Channel] = &acc{}
		}
		add(c.channels[tp.Channel], score, w)
		if portfolio[tp.Channel] == nil {
			portfolio[tp.Channel] = &acc{}
		}
		add(portfolio[tp.Channel], score, w)
	}
	// mean is the weighted mean, kept within 0..100 against rounding.
	mean := func(a *acc) float64 { return math.Min(100, math.Max(0, a.sum/a.weight)) }
	channels := func(m map[crm.Channel]*acc) []ChannelExperience {
		out := make([]ChannelExperience, 0, len(m))
		for ch, a := range m {
			out = append(out, ChannelExperience{Channel: ch, Index: mean(a), Ratings: a.n, Weight: a.weight})
		}
		slices.SortFunc(out, func(a, b ChannelExperience) int {
			return cmp.Or(cmp.Compare(a.Index, b.Index), cmp.Compare(a.Channel, b.Channel))
		})
		return out
	}
	out := make([]CustomerExperience, len(customers))
	for i, c := range customers {
		out[i] = CustomerExperience{CustomerID: c.id, Index: mean(&c.all), Ratings: c.all.n, Weight: c.all.weight, Channels: channels(c.channels)}
	}
	return out, channels(portfolio), nil
}
