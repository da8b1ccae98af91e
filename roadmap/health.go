package roadmap

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm/scoring"
)

// KPIStatus is one KPI's latest value, progress and forecast.
type KPIStatus struct {
	// Goal is the goal whose KPI this is.
	Goal string `json:"goal"`
	// Latest is the last value measured.
	Latest float64 `json:"latest"`
	// Progress is the share of the way from baseline to target, 0..1.
	Progress float64 `json:"progress"`
	// Forecast is the value a least-squares line through the measurements
	// projects at the deadline (the latest value with fewer than two);
	// OnTrack says whether it reaches the target.
	Forecast float64 `json:"forecast"`
	OnTrack  bool    `json:"on_track"` // the forecast reaches the target
	// Measured says whether there is any measurement.
	Measured bool `json:"measured"`
}

// Health is a roadmap's health: KPI statuses rolled up by a scorecard into
// a band, and budget burn.
type Health struct {
	// KPIs are each measured goal's status.
	KPIs []KPIStatus `json:"kpis"`
	// Score is the roadmap's health on the health scorecard, with its band.
	Score scoring.Score `json:"score"`
	// Burn is spend against budget per fiscal year, and per initiative.
	Burn           map[int]float64    `json:"burn"`
	InitiativeBurn map[string]float64 `json:"initiative_burn"` // by initiative ID
}

// HealthCard is the scorecard Health uses: one criterion per KPI (its
// progress 0..1, weighted by the KPI's weight; a KPI not yet measured
// counts as no progress) and bands red below 40, yellow to 70, green from
// 70.
func HealthCard(c Content) *scoring.Scorecard {
	card := &scoring.Scorecard{Name: "roadmap health", Missing: scoring.MissingWorst, Bands: []scoring.Band{
		{Name: "red", Min: 0, Max: 40}, {Name: "yellow", Min: 40, Max: 70}, {Name: "green", Min: 70, Max: 100}}}
	for _, id := range goalIDs(c) {
		k := c.kpis()[id]
		w := k.Weight
		if !(w > 0) {
			w = 1
		}
		card.Criteria = append(card.Criteria, scoring.Criterion{Name: id, Weight: w, Direction: scoring.HigherBetter,
			Normalization: scoring.Normalization{Kind: scoring.NormRange, Min: 0, Max: 1}})
	}
	return card
}

func goalIDs(c Content) []string {
	var ids []string
	for id := range c.kpis() {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Assess computes the roadmap's health at asOf from its measurements and
// progress reports.
func (r *Roadmap) Assess(asOf time.Time) (Health, error) {
	c := r.Content
	kpis := c.kpis()
	var h Health
	values := make([]float64, 0, len(kpis))
	for _, id := range goalIDs(c) {
		k := kpis[id]
		var ms []Measurement
		for _, m := range r.Measurements {
			if m.Goal == id && !m.At.After(asOf) {
				ms = append(ms, m)
			}
		}
		slices.SortStableFunc(ms, func(a, b Measurement) int { return a.At.Compare(b.At) })
		st := KPIStatus{Goal: id, Latest: k.Baseline}
		if len(ms) > 0 {
			st.Measured = true
			st.Latest = ms[len(ms)-1].Value
		}
		span := k.Target - k.Baseline
		if span != 0 {
			st.Progress = math.Min(1, math.Max(0, (st.Latest-k.Baseline)/span))
		}
		st.Forecast = forecast(ms, k.Deadline, st.Latest)
		if k.LowerIsBetter {
			st.OnTrack = st.Forecast <= k.Target
		} else {
			st.OnTrack = st.Forecast >= k.Target
		}
		h.KPIs = append(h.KPIs, st)
		values = append(values, st.Progress)
	}
	if len(values) == 0 {
		return h, fmt.Errorf("roadmap: roadmap %q: no goals with KPIs to assess", r.ID)
	}
	scorer, err := HealthCard(c).Compile()
	if err != nil {
		return h, err
	}
	if h.Score, err = scorer.Score(values); err != nil {
		return h, err
	}
	h.Burn, h.InitiativeBurn = map[int]float64{}, map[string]float64{}
	spent := map[int]decimal.Decimal{}
	for _, in := range c.Initiatives {
		for _, p := range r.Progress {
			if p.Initiative == in.ID {
				spent[in.FiscalYear] = spent[in.FiscalYear].Add(p.Spent.Amount)
				if !in.Budget.Amount.IsZero() {
					h.InitiativeBurn[in.ID] = p.Spent.Amount.Div(in.Budget.Amount).InexactFloat64()
				}
			}
		}
	}
	for _, b := range c.Budgets {
		if !b.Amount.Amount.IsZero() {
			h.Burn[b.FiscalYear] = spent[b.FiscalYear].Div(b.Amount.Amount).InexactFloat64()
		}
	}
	return h, nil
}

// forecast projects the measurements' least-squares line to the deadline.
func forecast(ms []Measurement, deadline time.Time, latest float64) float64 {
	if len(ms) < 2 {
		return latest
	}
	t0 := ms[0].At
	var sx, sy, sxx, sxy float64
	for _, m := range ms {
		x := m.At.Sub(t0).Hours() / 24
		sx += x
		sy += m.Value
		sxx += x * x
		sxy += x * m.Value
	}
	n := float64(len(ms))
	den := n*sxx - sx*sx
	if den == 0 {
		return latest
	}
	slope := (n*sxy - sx*sy) / den
	intercept := (sy - slope*sx) / n
	return intercept + slope*deadline.Sub(t0).Hours()/24
}
