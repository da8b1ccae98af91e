package scoring

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/crmkit/crm"
)

// TierMethod is how customers are cut into value tiers.
type TierMethod string

// Tier methods.
const (
	// ByCustomerShare gives each tier a share of the customers, best first:
	// with the default shares the top 1% are Platinum.
	ByCustomerShare TierMethod = "customer_share"
	// ByValueShare fills each tier, best customers first, until it holds
	// its share of the total value: the customers making the top 50% of
	// value, then the next 30%, and so on.
	ByValueShare TierMethod = "value_share"
	// ByThreshold puts each customer in the first tier whose Min the value
	// reaches.
	ByThreshold TierMethod = "threshold"
)

// Tier is one level of the customer pyramid, best first in a TierSpec.
type Tier struct {
	// Name names the tier ("Platinum").
	Name string `json:"name"`
	// Share of customers (ByCustomerShare) or of value (ByValueShare), in
	// (0, 1). The last tier takes the rest: leave its Share 0.
	Share float64 `json:"share,omitempty"`
	// Min is the least value that enters the tier (ByThreshold), strictly
	// descending down the tiers; the last tier takes everyone else.
	Min float64 `json:"min,omitempty"`
	// Strategy is the host's relationship strategy for the tier, carried
	// into reports.
	Strategy string `json:"strategy,omitempty"`
}

// TierSpec is a method and its tiers, best first.
type TierSpec struct {
	// Method is how the ranking is cut: by customer share, value share or
	// threshold.
	Method TierMethod `json:"method"`
	// Tiers are the tiers from the top down; the last takes everyone left.
	Tiers []Tier `json:"tiers"`
}

// DefaultTiers is the customer pyramid of CRM practice: Platinum (the top 1%
// of customers), Gold (the next 4%), Iron (the next 15%) and Lead (the
// remaining 80%), each with a default strategy a host will want to replace.
func DefaultTiers() TierSpec {
	return TierSpec{Method: ByCustomerShare, Tiers: []Tier{
		{Name: "Platinum", Share: 0.01, Strategy: "the most profitable, committed customers: personal account management, first access, protect at all costs"},
		{Name: "Gold", Share: 0.04, Strategy: "profitable but price-aware: deepen the relationship, reward loyalty, move up to Platinum"},
		{Name: "Iron", Share: 0.15, Strategy: "volume that keeps capacity busy: serve efficiently, grow share of wallet"},
		{Name: "Lead", Strategy: "cost more than they bring: automate service, reprice, or let go"},
	}}
}

// Validate reports every problem with the spec.
func (s TierSpec) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &crm.FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if s.Method != ByCustomerShare && s.Method != ByValueShare && s.Method != ByThreshold {
		bad("method", "%q is not customer_share, value_share or threshold", s.Method)
	}
	if len(s.Tiers) < 2 {
		bad("tiers", "need at least two tiers, got %d", len(s.Tiers))
	}
	names := map[string]bool{}
	sum := 0.0
	for i, t := range s.Tiers {
		at := fmt.Sprintf("tiers[%d] %q", i, t.Name)
		if t.Name == "" {
			bad(at, "no name")
		} else if names[t.Name] {
			bad(at, "duplicate name")
		}
		names[t.Name] = true
		last := i == len(s.Tiers)-1
		switch s.Method {
		case ByCustomerShare, ByValueShare:
			if last {
				if t.Share != 0 {
					bad(at, "the last tier takes the rest; leave its share 0 (got %v)", t.Share)
				}
				continue
			}
			if !(t.Share > 0 && t.Share < 1) {
				bad(at, "share %v must be in (0, 1)", t.Share)
			}
			sum += t.Share
		case ByThreshold:
			if math.IsNaN(t.Min) || math.IsInf(t.Min, 0) {
				bad(at, "min %v must be finite", t.Min)
			}
			if i > 0 && !last && !(t.Min < s.Tiers[i-1].Min) {
				bad(at, "min %v must be below the tier above's %v", t.Min, s.Tiers[i-1].Min)
			}
		}
	}
	if (s.Method == ByCustomerShare || s.Method == ByValueShare) && !(sum < 1) {
		bad("tiers", "shares above the last tier add up to %v; they must leave something for it", sum)
	}
	if len(errs) > 0 {
		return &crm.ValidationError{Package: "scoring", What: "tiers", Problems: errs}
	}
	return nil
}

// TierReport describes one tier after assignment.
type TierReport struct {
	// Tier is the tier reported.
	Tier Tier `json:"tier"`
	// Customers counts the tier's customers.
	Customers int `json:"customers"`
	// CustomerShare is Customers over all customers.
	CustomerShare float64 `json:"customer_share"`
	// Value is the tier's total value.
	Value      float64 `json:"value"`
	ValueShare float64 `json:"value_share"` // of the total value; 0 when the total is 0
	MinValue   float64 `json:"min_value"`   // 0 for an empty tier
	// MaxValue is the highest value in the tier (0 for an empty tier).
	MaxValue float64 `json:"max_value"`
}

// Tiering is the result of AssignTiers.
type Tiering struct {
	// Of holds each customer's tier, by the customer's index in the input.
	Of []int `json:"of"`
	// Ranked lists customer indexes from the most valuable down: value
	// descending, ties by customer ID ascending, then by input position.
	Ranked []int `json:"ranked"`
	// Reports describe each tier, in the spec's order.
	Reports []TierReport `json:"reports"`
}

// AssignTiers ranks customers by value — descending, ties broken by
// customer ID ascending, so the result does not depend on input order — and
// cuts the ranking into tiers by spec. With ByCustomerShare the boundaries
// fall at round(cumulative share · n) customers; with ByValueShare a
// customer joins the first tier whose cumulative value share is not yet
// reached by the customers ranked above (values must be ≥ 0); with
// ByThreshold by value alone. Values must not be NaN.
func AssignTiers(ids []string, values []float64, spec TierSpec) (*Tiering, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if len(ids) != len(values) {
		return nil, fmt.Errorf("scoring: tiers: %d customer IDs for %d values: %w", len(ids), len(values), crm.ErrInvalid)
	}
	order := make([]ranked, len(values))
	total := 0.0
	var errs []error
	for i, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) || (spec.Method == ByValueShare && v < 0) {
			if len(errs) < 10 {
				want := "a finite value"
				if spec.Method == ByValueShare {
					want = "a finite value ≥ 0 (value shares need non-negative values)"
				}
				errs = append(errs, &crm.FieldError{Field: fmt.Sprintf("values[%d] (customer %q)", i, ids[i]), Problem: fmt.Sprintf("%v is not %s", v, want)})
			}
			continue
		}
		order[i] = ranked{v, int32(i)}
		total += v
	}
	if len(errs) > 0 {
		return nil, &crm.ValidationError{Package: "scoring", What: "tiers", Problems: errs}
	}
	rankDescending(order, func(a, b ranked) int {
		return cmp.Or(strings.Compare(ids[a.i], ids[b.i]), cmp.Compare(a.i, b.i))
	})
	n := len(values)
	res := &Tiering{Of: make([]int, n), Ranked: make([]int, n), Reports: make([]TierReport, len(spec.Tiers))}
	for k, t := range spec.Tiers {
		res.Reports[k].Tier = t
	}
	// bound[k] is the cumulative share that closes tier k.
	bound := make([]float64, len(spec.Tiers))
	cum := 0.0
	for k, t := range spec.Tiers {
		cum += t.Share
		bound[k] = cum
	}
	bound[len(bound)-1] = math.Inf(1)
	k := 0
	before := 0.0 // value ranked above the current customer
	for r, o := range order {
		switch spec.Method {
		case ByCustomerShare:
			for k < len(bound)-1 && float64(r) >= math.Round(bound[k]*float64(n)) {
				k++
			}
		case ByValueShare:
			for k < len(bound)-1 && !(before < bound[k]*total) {
				k++
			}
		case ByThreshold:
			k = len(spec.Tiers) - 1
			for j, t := range spec.Tiers[:len(spec.Tiers)-1] {
				if o.v >= t.Min {
					k = j
					break
				}
			}
		}
		before += o.v
		res.Of[o.i] = k
		res.Ranked[r] = int(o.i)
		rep := &res.Reports[k]
		if rep.Customers == 0 {
			rep.MaxValue = o.v // ranked descending: the first is the largest
		}
		rep.MinValue = o.v
		rep.Customers++
		rep.Value += o.v
	}
	for k := range res.Reports {
		rep := &res.Reports[k]
		if n > 0 {
			rep.CustomerShare = float64(rep.Customers) / float64(n)
		}
		if total != 0 {
			rep.ValueShare = rep.Value / total
		}
	}
	return res, nil
}

// TiersByCLV assigns tiers by each customer's CLV.
func TiersByCLV(values []CustomerValue, spec TierSpec) (*Tiering, error) {
	ids := make([]string, len(values))
	v := make([]float64, len(values))
	for i, c := range values {
		ids[i] = c.CustomerID
		v[i] = c.CLV.Amount.InexactFloat64()
	}
	return AssignTiers(ids, v, spec)
}

// ranked is a value and the input index it came from.
type ranked struct {
	v float64
	i int32
}

// rankDescending sorts by value descending, then equal values by tie: a
// least-significant-digit radix sort on the values' bits (four 16-bit
// passes, linear in n) followed by a comparison sort of each run of equal
// values, which is short unless many customers tie.
func rankDescending(order []ranked, tie func(a, b ranked) int) {
	n := len(order)
	if n < 4096 {
		slices.SortFunc(order, func(a, b ranked) int {
			if a.v != b.v {
				return cmp.Compare(b.v, a.v)
			}
			return tie(a, b)
		})
		return
	}
	// key orders descending values ascending: flip every bit of negative
	// numbers and the sign bit of positive ones (so the bits compare as
	// the numbers do), then invert for descending.
	key := func(v float64) uint64 {
		b := math.Float64bits(v)
		if b>>63 == 1 {
			b = ^b
		} else {
			b |= 1 << 63
		}
		return ^b
	}
	keys := make([]uint64, n)
	for i, o := range order {
		keys[i] = key(o.v)
	}
	tmp := make([]ranked, n)
	tmpKeys := make([]uint64, n)
	var count [1 << 16]int
	for shift := uint(0); shift < 64; shift += 16 {
		clear(count[:])
		for _, k := range keys {
			count[(k>>shift)&0xffff]++
		}
		if count[(keys[0]>>shift)&0xffff] == n {
			continue // every key has the same digit here
		}
		pos := 0
		for d, c := range count {
			count[d] = pos
			pos += c
		}
		for i, k := range keys {
			d := (k >> shift) & 0xffff
			tmp[count[d]], tmpKeys[count[d]] = order[i], k
			count[d]++
		}
		copy(order, tmp)
		copy(keys, tmpKeys)
	}
	for lo := 0; lo < n; {
		hi := lo + 1
		for hi < n && order[hi].v == order[lo].v {
			hi++
		}
		if hi-lo > 1 {
			slices.SortFunc(order[lo:hi], tie)
		}
		lo = hi
	}
}
