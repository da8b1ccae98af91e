package scoring

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/crmkit/crm"
)

// Direction says whether a criterion's higher raw values are better.
type Direction string

// Directions.
const (
	HigherBetter Direction = "higher_better"
	LowerBetter  Direction = "lower_better"
)

// NormKind is how a criterion's raw value becomes a 0..1 score.
type NormKind string

// Normalisations.
const (
	// NormRange maps [Min, Max] linearly onto [0, 1], clamping outside.
	NormRange NormKind = "range"
	// NormThresholds scores the share of Thresholds (ascending) at or
	// below the value: with k thresholds, values below the first score 0,
	// values at or above the last score 1, in steps of 1/k.
	NormThresholds NormKind = "thresholds"
	// NormSteps looks the value up in Steps (ascending At): the score of
	// the last step with At ≤ value; values below the first step get the
	// first step's score.
	NormSteps NormKind = "steps"
)

// Step is one row of a step table: values from At upwards (to the next
// step) score Score, in 0..1.
type Step struct {
	// At is the input value from which the step's score applies.
	At float64 `json:"at"`
	// Score is the normalised score, 0–1, from At on.
	Score float64 `json:"score"`
}

// Normalization turns a raw value into a 0..1 score before the criterion's
// direction applies (LowerBetter uses 1 − score).
type Normalization struct {
	// Kind is how a value becomes a 0–1 score: linear over a range, by
	// thresholds, or by a step table.
	Kind NormKind `json:"kind"`
	// Min and Max bound a linear range.
	Min float64 `json:"min,omitempty"`
	// Max is the top of a linear range.
	Max float64 `json:"max,omitempty"`
	// Thresholds are ascending cut points; each one passed adds an equal share
	// of the score.
	Thresholds []float64 `json:"thresholds,omitempty"`
	// Steps are the step table, ascending by At.
	Steps []Step `json:"steps,omitempty"`
}

// Criterion is one weighted measure of a scorecard, read from the record
// field Input (its Name when empty).
type Criterion struct {
	// Name names the criterion.
	Name string `json:"name"`
	// Input is the record's field the criterion reads (default: Name).
	Input string `json:"input,omitempty"`
	// Weight is the criterion's share of the total, relative to the others.
	Weight float64 `json:"weight"`
	// Direction says whether more is better or worse.
	Direction Direction `json:"direction"`
	// Normalization turns the input into a 0–1 score.
	Normalization Normalization `json:"normalization"`
	// Description says what the criterion measures and why.
	Description string `json:"description,omitempty"`
}

// Band names a range of totals, Min inclusive, Max exclusive except for
// the top band, which includes the scorecard's Scale.
type Band struct {
	// Name names the band ("develop").
	Name string `json:"name"`
	// Min and Max bound the band's totals; bands tile 0 to the scale.
	Min float64 `json:"min"`
	// Max is the top of the band's totals.
	Max float64 `json:"max"`
	// Description says what to do for records in the band.
	Description string `json:"description,omitempty"`
}

// MissingPolicy says what a missing value (NaN) does.
type MissingPolicy string

// Missing-value policies.
const (
	// MissingFail refuses the record, naming the criterion.
	MissingFail MissingPolicy = "fail"
	// MissingWorst scores the criterion as its worst (0).
	MissingWorst MissingPolicy = "worst"
	// MissingReweight leaves the criterion out and spreads the weights over
	// the criteria present; a record with none present is refused.
	MissingReweight MissingPolicy = "reweight"
)

// Scorecard is a weighted set of criteria with bands. Totals run from 0 to
// Scale (default 100): each criterion contributes Scale · weight / Σ
// weights · its 0..1 score, so contributions add up to the total.
type Scorecard struct {
	// Name names the scorecard.
	Name string `json:"name"`
	// Criteria are what the card weighs.
	Criteria []Criterion `json:"criteria"`
	// Bands name ranges of the total.
	Bands []Band `json:"bands"`
	// Missing is what a missing value does: fail, score worst, or reweight the
	// others.
	Missing MissingPolicy `json:"missing"`
	// Scale is the total's maximum (default 100).
	Scale float64 `json:"scale,omitempty"`
}

// ParseScorecard reads a scorecard from JSON, refusing unknown fields, and
// validates it.
func ParseScorecard(data []byte) (*Scorecard, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Scorecard
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("scoring: scorecard: %v: %w", err, crm.ErrInvalid)
	}
	if err := s.Validate(nil); err != nil {
		return nil, err
	}
	return &s, nil
}

func (s *Scorecard) scale() float64 {
	if s.Scale == 0 {
		return 100
	}
	return s.Scale
}

// Validate reports every problem with the scorecard at once: criteria
// without names, duplicate names, weights that are not positive, unknown
// directions or normalisations, ranges and tables that are not ascending,
// step scores outside 0..1, bands that overlap, leave gaps or fall outside
// 0..Scale, and — when fields is not nil — criteria whose input is not
// among fields.
func (s *Scorecard) Validate(fields []string) error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &crm.FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if len(s.Criteria) == 0 {
		bad("criteria", "no criteria")
	}
	if !(s.Scale >= 0) || math.IsInf(s.Scale, 0) {
		bad("scale", "%v must be positive and finite", s.Scale)
	}
	switch s.Missing {
	case MissingFail, MissingWorst, MissingReweight:
	default:
		bad("missing", "%q is not a policy (fail, worst, reweight)", s.Missing)
	}
	seen := map[string]bool{}
	for i, c := range s.Criteria {
		at := fmt.Sprintf("criteria[%d]", i)
		if c.Name != "" {
			at = fmt.Sprintf("criteria[%d] %q", i, c.Name)
		}
		if c.Name == "" {
			bad(at, "no name")
		} else if seen[c.Name] {
			bad(at, "duplicate name")
		}
		seen[c.Name] = true
		if !(c.Weight > 0) || math.IsInf(c.Weight, 0) {
			bad(at, "weight %v must be positive and finite", c.Weight)
		}
		if c.Direction != HigherBetter && c.Direction != LowerBetter {
			bad(at, "direction %q is not higher_better or lower_better", c.Direction)
		}
		if fields != nil && !slices.Contains(fields, c.input()) {
			bad(at, "unknown input %q (known: %v)", c.input(), fields)
		}
		n := c.Normalization
		switch n.Kind {
		case NormRange:
			if !(n.Max > n.Min) || math.IsInf(n.Min, 0) || math.IsInf(n.Max, 0) {
				bad(at, "range needs finite min < max, got %v..%v", n.Min, n.Max)
			}
		case NormThresholds:
			if len(n.Thresholds) == 0 || !strictlyAscending(n.Thresholds) {
				bad(at, "thresholds %v must be finite and strictly ascending", n.Thresholds)
			}
		case NormSteps:
			ats := make([]float64, len(n.Steps))
			for j, st := range n.Steps {
				ats[j] = st.At
				if !(st.Score >= 0 && st.Score <= 1) {
					bad(at, "step %d score %v is outside 0..1", j, st.Score)
				}
			}
			if len(ats) == 0 || !strictlyAscending(ats) {
				bad(at, "steps must be given with finite, strictly ascending at values, got %v", ats)
			}
		default:
			bad(at, "normalization kind %q is not range, thresholds or steps", n.Kind)
		}
	}
	errs = append(errs, s.validateBands()...)
	if len(errs) > 0 {
		name := "scorecard"
		if s.Name != "" {
			name = fmt.Sprintf("scorecard %q", s.Name)
		}
		return &crm.ValidationError{Package: "scoring", What: fmt.Sprintf("%s", name), Problems: errs}
	}
	return nil
}

func (s *Scorecard) validateBands() []error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &crm.FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if len(s.Bands) == 0 {
		bad("bands", "no bands")
		return errs
	}
	scale := s.scale()
	order := make([]int, len(s.Bands))
	for i := range order {
		order[i] = i
		b := s.Bands[i]
		if b.Name == "" {
			bad(fmt.Sprintf("bands[%d]", i), "no name")
		}
		if !(b.Min < b.Max) || b.Min < 0 || b.Max > scale {
			bad(fmt.Sprintf("bands[%d] %q", i, b.Name), "needs 0 ≤ min < max ≤ %v, got %v..%v", scale, b.Min, b.Max)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(s.Bands[a].Min, s.Bands[b].Min) })
	if first := s.Bands[order[0]]; first.Min != 0 {
		bad("bands", "the lowest band %q starts at %v, not 0: low totals would have no band", first.Name, first.Min)
	}
	for k := 1; k < len(order); k++ {
		prev, cur := s.Bands[order[k-1]], s.Bands[order[k]]
		switch {
		case cur.Min < prev.Max:
			bad("bands", "%q (%v..%v) overlaps %q (%v..%v)", cur.Name, cur.Min, cur.Max, prev.Name, prev.Min, prev.Max)
		case cur.Min > prev.Max:
			bad("bands", "gap between %q (ends %v) and %q (starts %v)", prev.Name, prev.Max, cur.Name, cur.Min)
		}
	}
	if last := s.Bands[order[len(order)-1]]; last.Max != scale {
		bad("bands", "the highest band %q ends at %v, not the scale %v", last.Name, last.Max, scale)
	}
	return errs
}

func strictlyAscending(v []float64) bool {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) || (i > 0 && !(x > v[i-1])) {
			return false
		}
	}
	return true
}

func (c Criterion) input() string {
	if c.Input != "" {
		return c.Input
	}
	return c.Name
}

// Inputs lists the record fields the scorecard reads, in criteria order:
// the order of the values Scorer.Score takes.
func (s *Scorecard) Inputs() []string {
	out := make([]string, len(s.Criteria))
	for i, c := range s.Criteria {
		out[i] = c.input()
	}
	return out
}

// Scorer is a validated scorecard ready to score many records quickly.
type Scorer struct {
	card    *Scorecard
	weights []float64 // normalised to sum 1
	bands   []Band    // ascending
	scale   float64
}

// Compile validates the scorecard and prepares it for scoring.
func (s *Scorecard) Compile() (*Scorer, error) {
	if err := s.Validate(nil); err != nil {
		return nil, err
	}
	sc := &Scorer{card: s, scale: s.scale(), bands: slices.Clone(s.Bands)}
	sum := 0.0
	for _, c := range s.Criteria {
		sum += c.Weight
	}
	for _, c := range s.Criteria {
		sc.weights = append(sc.weights, c.Weight/sum)
	}
	slices.SortFunc(sc.bands, func(a, b Band) int { return cmp.Compare(a.Min, b.Min) })
	return sc, nil
}

// Score is a scored record: the total, its band, and each criterion's
// contribution (in criteria order), which add up to the total. A criterion
// left out by MissingReweight contributes 0 and is flagged in Missing.
type Score struct {
	// Total is the weighted score, 0 to the card's scale.
	Total float64 `json:"total"`
	// Band is the name of the band the total falls in.
	Band string `json:"band"`
	// Contributions are each criterion's part of the total, in the card's
	// order.
	Contributions []float64 `json:"contributions"`
	// Missing flags the criteria whose value was missing (reweighted cards
	// only).
	Missing []bool `json:"missing,omitempty"`
}

// Score scores one record, given as the values of Inputs in order, NaN for
// a missing value.
func (sc *Scorer) Score(values []float64) (Score, error) {
	var s Score
	err := sc.score(values, &s)
	if err != nil {
		return Score{}, err
	}
	return s, nil
}

func (sc *Scorer) score(values []float64, out *Score) error {
	crit := sc.card.Criteria
	if len(values) != len(crit) {
		return fmt.Errorf("scoring: scorecard %q: %d values for %d criteria: %w", sc.card.Name, len(values), len(crit), crm.ErrInvalid)
	}
	if cap(out.Contributions) < len(crit) {
		out.Contributions = make([]float64, len(crit))
	}
	out.Contributions = out.Contributions[:len(crit)]
	out.Missing = out.Missing[:0]
	present := 1.0 // total weight of the criteria present
	for i, v := range values {
		if math.IsNaN(v) {
			switch sc.card.Missing {
			case MissingFail:
				return fmt.Errorf("scoring: scorecard %q: criterion %q: value missing: %w", sc.card.Name, crit[i].Name, crm.ErrInvalid)
			case MissingReweight:
				if len(out.Missing) == 0 {
					out.Missing = slices.Grow(out.Missing, len(crit))[:len(crit)]
					clear(out.Missing)
				}
				out.Missing[i] = true
				present -= sc.weights[i]
			}
		}
	}
	if present <= 1e-12 {
		return fmt.Errorf("scoring: scorecard %q: every value is missing: %w", sc.card.Name, crm.ErrInvalid)
	}
	total := 0.0
	for i, v := range values {
		var n float64
		if math.IsNaN(v) {
			if sc.card.Missing == MissingReweight {
				out.Contributions[i] = 0
				continue
			}
			n = 0 // MissingWorst
		} else {
			n = normalize(&crit[i], v)
		}
		c := sc.scale * sc.weights[i] / present * n
		out.Contributions[i] = c
		total += c
	}
	out.Total = total
	out.Band = sc.band(total)
	return nil
}

func normalize(c *Criterion, v float64) float64 {
	var n float64
	switch norm := &c.Normalization; norm.Kind {
	case NormRange:
		n = math.Min(1, math.Max(0, (v-norm.Min)/(norm.Max-norm.Min)))
	case NormThresholds:
		k := 0
		for _, t := range norm.Thresholds {
			if t <= v {
				k++
			}
		}
		n = float64(k) / float64(len(norm.Thresholds))
	case NormSteps:
		n = norm.Steps[0].Score
		for _, st := range norm.Steps {
			if st.At > v {
				break
			}
			n = st.Score
		}
	}
	if c.Direction == LowerBetter {
		n = 1 - n
	}
	return n
}

func (sc *Scorer) band(total float64) string {
	for i := len(sc.bands) - 1; i >= 0; i-- {
		if total >= sc.bands[i].Min {
			return sc.bands[i].Name
		}
	}
	return sc.bands[0].Name
}

// ScoreRecord scores a record given by field name. Fields the scorecard
// does not read are an error (a misspelt field would otherwise count as
// missing); fields it reads but the record lacks are missing values.
func (sc *Scorer) ScoreRecord(record map[string]float64) (Score, error) {
	var errs []error
	inputs := sc.card.Inputs()
	for k := range record {
		if !slices.Contains(inputs, k) {
			errs = append(errs, &crm.FieldError{Field: k, Problem: fmt.Sprintf("not an input of scorecard %q (inputs: %v)", sc.card.Name, inputs)})
		}
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
		return Score{}, &crm.ValidationError{Package: "scoring", What: fmt.Sprintf("record for scorecard %q", sc.card.Name), Problems: errs}
	}
	values := make([]float64, len(inputs))
	for i, in := range inputs {
		v, ok := record[in]
		if !ok {
			v = math.NaN()
		}
		values[i] = v
	}
	return sc.Score(values)
}
