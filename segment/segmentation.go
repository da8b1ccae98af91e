package segment

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"math/bits"
	"slices"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/internal/bounds"
)

// Mode says whether a customer can be in several segments.
type Mode string

// Modes.
const (
	// Exclusive puts each customer in the first matching segment, by
	// priority.
	Exclusive Mode = "exclusive"
	// Overlapping puts each customer in every matching segment.
	Overlapping Mode = "overlapping"
)

// Segment is a named rule (in the text syntax) with a description and a
// priority: lower numbers come first; equal priorities keep definition
// order.
type Segment struct {
	// Name names the segment.
	Name string `json:"name"`
	// Description says who is in it and what to do for them.
	Description string `json:"description,omitempty"`
	// Priority orders the segments: lower first; in an exclusive segmentation
	// the first match wins.
	Priority int `json:"priority"`
	// Rule is the segment's rule in the text syntax.
	Rule string `json:"rule"`
}

// Segmentation is a named set of segments. Version is the store's
// optimistic-concurrency counter.
type Segmentation struct {
	// Name names the segmentation; unique in a store.
	Name string `json:"name"`
	// Description says what the segmentation is for.
	Description string `json:"description,omitempty"`
	// Mode is exclusive (a customer in at most one segment) or overlapping.
	Mode Mode `json:"mode"`
	// Segments are the segments, each with its rule.
	Segments []Segment `json:"segments"`
	// Version is the store's: 1 when created, one more on each update.
	Version int64 `json:"version"`
}

// Validate checks names, mode and that every rule parses, reporting every
// problem at once.
func (s *Segmentation) Validate() error {
	_, err := s.compile(nil)
	return err
}

// Assigner is a compiled segmentation.
type Assigner struct {
	seg      *Segmentation
	schema   *Schema
	order    []int // segment indexes by priority
	matchers []*Matcher
	segNames []string // by priority
	one      [][]string
}

// Compile parses and type-checks every segment's rule against the schema
// and reports every problem at once, naming the segment.
func (s *Segmentation) Compile(schema *Schema) (*Assigner, error) {
	if schema == nil {
		return nil, fmt.Errorf("segment: segmentation %q: nil schema: %w", s.Name, crm.ErrInvalid)
	}
	return s.compile(schema)
}

// compile checks the segmentation and, with a schema, compiles it; with a
// nil schema it only checks (the Assigner is then nil).
func (s *Segmentation) compile(schema *Schema) (*Assigner, error) {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &crm.FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if s.Name == "" {
		bad("name", "empty")
	}
	if s.Mode != Exclusive && s.Mode != Overlapping {
		bad("mode", "%q is not exclusive or overlapping", s.Mode)
	}
	if len(s.Segments) == 0 {
		bad("segments", "none")
	}
	if len(s.Segments) > 64 {
		bad("segments", "%d segments; at most 64", len(s.Segments))
	}
	a := &Assigner{seg: s}
	seen := map[string]bool{}
	for i, seg := range s.Segments {
		at := fmt.Sprintf("segments[%d] %q", i, seg.Name)
		if seg.Name == "" {
			bad(at, "no name")
		} else if seen[seg.Name] {
			bad(at, "duplicate name")
		}
		seen[seg.Name] = true
		r, err := Parse(seg.Rule)
		if err != nil {
			bad(at, "%v", err)
			continue
		}
		if schema == nil {
			continue
		}
		m, err := Compile(r, schema)
		if err != nil {
			bad(at, "%v", err)
			continue
		}
		a.matchers = append(a.matchers, m)
	}
	if len(errs) > 0 {
		return nil, &crm.ValidationError{Package: "segment", What: fmt.Sprintf("segmentation %q", s.Name), Problems: errs}
	}
	if schema == nil {
		return nil, nil
	}
	a.schema = schema
	a.order = make([]int, len(s.Segments))
	for i := range a.order {
		a.order[i] = i
	}
	slices.SortStableFunc(a.order, func(x, y int) int { return cmp.Compare(s.Segments[x].Priority, s.Segments[y].Priority) })
	ordered := make([]*Matcher, len(a.order))
	for k, i := range a.order {
		ordered[k] = a.matchers[i]
		a.segNames = append(a.segNames, s.Segments[i].Name)
		a.one = append(a.one, []string{s.Segments[i].Name})
	}
	a.matchers = ordered
	return a, nil
}

// Segmentation returns the definition the assigner was compiled from.
func (a *Assigner) Segmentation() *Segmentation { return a.seg }

// Check returns nil when every segment's rule can read profiles like p
// (see Matcher.Check), and otherwise the error naming the segment and the
// field.
func (a *Assigner) Check(p *Profile) error {
	if p == nil {
		return fmt.Errorf("segment: segmentation %q: nil profile: %w", a.seg.Name, crm.ErrInvalid)
	}
	if p.schema == a.schema {
		return nil
	}
	for k, m := range a.matchers {
		if err := m.Check(p); err != nil {
			return fmt.Errorf("segment: segmentation %q, segment %q: %w", a.seg.Name, a.segNames[k], err)
		}
	}
	return nil
}

// Match returns the names of the segments the profile belongs to, in
// priority order: at most one in an exclusive segmentation, none for a
// profile in no segment. The slice is shared by every profile in the same
// segments: do not modify it.
func (a *Assigner) Match(p *Profile) []string {
	return a.names(a.match(p))
}

// match returns the profile's segments as a bit set over the segments in
// priority order (bit k: the k-th by priority).
func (a *Assigner) match(p *Profile) uint64 {
	var set uint64
	for k, m := range a.matchers {
		if m.Match(p) {
			set |= 1 << k
			if a.seg.Mode == Exclusive {
				break
			}
		}
	}
	return set
}

// names turns a bit set from match into segment names, in priority order.
func (a *Assigner) names(set uint64) []string {
	switch {
	case set == 0:
		return nil
	case set&(set-1) == 0:
		return a.one[bits.TrailingZeros64(set)]
	}
	var out []string
	for ; set != 0; set &= set - 1 {
		out = append(out, a.segNames[bits.TrailingZeros64(set)])
	}
	return out
}

// Membership is a segmentation's assignment of customers at one time.
type Membership struct {
	// Segmentation is the name of the segmentation assigned.
	Segmentation string `json:"segmentation"`
	// AsOf is the observation time of the assignment.
	AsOf time.Time `json:"as_of"`
	// Members maps each customer in at least one segment to their
	// segments, in priority order. The slices are shared: do not modify.
	Members map[string][]string `json:"members"`
	Counts  map[string]int      `json:"counts"` // every segment, zero included
	Total   int                 `json:"total"`  // profiles assigned
	// Unassigned counts the profiles in no segment.
	Unassigned int `json:"unassigned"`
}

// Validate reports whether m can be kept as a snapshot: it needs the
// segmentation's name and its observation time, in years 1–9999 (what
// every store keeps). A nil membership is invalid too.
func (m *Membership) Validate() error {
	if m == nil {
		return fmt.Errorf("segment: snapshot: nil membership: %w", crm.ErrInvalid)
	}
	var errs []error
	if m.Segmentation == "" {
		errs = append(errs, &crm.FieldError{Field: "segmentation", Problem: "empty"})
	}
	if m.AsOf.IsZero() {
		errs = append(errs, &crm.FieldError{Field: "as_of", Problem: "zero"})
	} else if p := bounds.Time(m.AsOf); p != "" {
		errs = append(errs, &crm.FieldError{Field: "as_of", Problem: p})
	}
	if len(errs) > 0 {
		return &crm.ValidationError{Package: "segment", What: "snapshot", Problems: errs}
	}
	return nil
}

// SegmentSize is one line of a size preview.
type SegmentSize struct {
	// Segment is the segment's name.
	Segment string `json:"segment"`
	// Count is how many profiles are in it.
	Count int     `json:"count"`
	Share float64 `json:"share"` // of all profiles
}

// Assign runs every profile through the segmentation. asOf labels the
// membership (profiles carry their own AsOf for "within" conditions).
func (a *Assigner) Assign(ctx context.Context, profiles iter.Seq2[*Profile, error], asOf time.Time) (*Membership, error) {
	m := &Membership{Segmentation: a.seg.Name, AsOf: asOf, Members: map[string][]string{}, Counts: map[string]int{}}
	for _, n := range a.segNames {
		m.Counts[n] = 0
	}
	// Overlapping combinations are interned by bit set, so equal
	// memberships share one slice.
	combos := map[uint64][]string{}
	counts := make([]int, len(a.segNames))
	var last *Schema
	for p, err := range crm.WithContext(ctx, profiles) {
		if err != nil {
			return nil, err
		}
		if p == nil || p.schema != last {
			if err := a.Check(p); err != nil {
				return nil, err
			}
			last = p.schema
		}
		m.Total++
		set := a.match(p)
		if set == 0 {
			m.Unassigned++
			continue
		}
		names, ok := combos[set]
		if !ok {
			names = a.names(set)
			combos[set] = names
		}
		m.Members[p.CustomerID] = names
		for s := set; s != 0; s &= s - 1 {
			counts[bits.TrailingZeros64(s)]++
		}
	}
	for k, c := range counts {
		m.Counts[a.segNames[k]] = c
	}
	return m, nil
}

// NewMembership returns an empty membership of the segmentation at asOf,
// every segment counted zero, for Add.
func (a *Assigner) NewMembership(asOf time.Time) *Membership {
	m := &Membership{Segmentation: a.seg.Name, AsOf: asOf, Members: map[string][]string{}, Counts: make(map[string]int, len(a.segNames))}
	for _, n := range a.segNames {
		m.Counts[n] = 0
	}
	return m
}

// Add assigns one profile into m, a membership from NewMembership: the
// streaming form of Assign, for running several segmentations (and a
// lifecycle classifier) over one pass of profiles that are costly to
// build. Adding the same stream gives what Assign gives. A profile the
// rules cannot read is refused (see Check) and m is unchanged.
func (a *Assigner) Add(m *Membership, p *Profile) error {
	if err := a.Check(p); err != nil {
		return err
	}
	m.Total++
	names := a.Match(p)
	if names == nil {
		m.Unassigned++
		return nil
	}
	m.Members[p.CustomerID] = names
	for _, n := range names {
		m.Counts[n]++
	}
	return nil
}

// Preview lists every segment's size, in the assigner's priority order.
func (a *Assigner) Preview(m *Membership) []SegmentSize {
	out := make([]SegmentSize, len(a.segNames))
	for k, n := range a.segNames {
		out[k] = SegmentSize{Segment: n, Count: m.Counts[n]}
		if m.Total > 0 {
			out[k].Share = float64(m.Counts[n]) / float64(m.Total)
		}
	}
	return out
}

// Change is one customer's movement between two memberships.
type Change struct {
	// CustomerID is the customer who moved.
	CustomerID string `json:"customer_id"`
	// Entered are the segments the customer joined.
	Entered []string `json:"entered,omitempty"`
	// Exited are the segments the customer left.
	Exited []string `json:"exited,omitempty"`
}

// Diff compares two memberships of a segmentation and returns, for each
// customer whose segments changed, the segments entered and exited, by
// customer ID. A customer absent from one side is in no segment there; a
// nil membership has no customers.
func Diff(before, after *Membership) []Change {
	if before == nil {
		before = &Membership{}
	}
	if after == nil {
		after = &Membership{}
	}
	var out []Change
	for id, now := range after.Members {
		entered, exited := setDiff(before.Members[id], now)
		if len(entered)+len(exited) > 0 {
			out = append(out, Change{CustomerID: id, Entered: entered, Exited: exited})
		}
	}
	for id, was := range before.Members {
		if _, still := after.Members[id]; !still {
			out = append(out, Change{CustomerID: id, Exited: slices.Clone(was)})
		}
	}
	slices.SortFunc(out, func(a, b Change) int { return cmp.Compare(a.CustomerID, b.CustomerID) })
	return out
}

func setDiff(was, now []string) (entered, exited []string) {
	for _, s := range now {
		if !slices.Contains(was, s) {
			entered = append(entered, s)
		}
	}
	for _, s := range was {
		if !slices.Contains(now, s) {
			exited = append(exited, s)
		}
	}
	return entered, exited
}
