package segment

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"time"

	"github.com/crmkit/crm"
)

// Type is a profile field's type.
type Type uint8

// Field types.
const (
	Number    Type = iota + 1 // float64
	String                    // text
	Bool                      // true or false
	Time                      // an instant
	Duration                  // a length of time
	StringSet                 // a set of strings, such as tags
)

var typeNames = [...]string{Number: "number", String: "string", Bool: "bool", Time: "time", Duration: "duration", StringSet: "string set"}

func (t Type) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// Field declares one profile field.
type Field struct {
	// Name is how rules name the field.
	Name string `json:"name"`
	// Type is the field's type.
	Type Type `json:"type"`
	// Description says what the field holds.
	Description string `json:"description,omitempty"`
}

// Schema is the set of fields profiles carry and rules may read. A schema
// never changes once made.
type Schema struct {
	fields  []Field
	index   map[string]int
	windows []Window // behaviour fields, computed from transactions
	sets    int      // how many fields are string sets
	// pos is each field's place in a profile: in strs for a string field,
	// in nums for every other type.
	pos        []int32
	nums, strs int       // how many fields each holds
	empty      []float64 // an empty profile's nums: missing, then no bits set
}

// sameLayout reports whether profiles of a and b put the same fields, of
// the same types, in the same slots.
func sameLayout(a, b *Schema) bool {
	return a == b || slices.EqualFunc(a.fields, b.fields, func(x, y Field) bool { return x.Name == y.Name && x.Type == y.Type })
}

// NewSchema makes a schema, refusing names that are not identifiers
// (letters, digits, underscores and dots, not starting with a digit),
// duplicates and unknown types.
func NewSchema(fields ...Field) (*Schema, error) {
	s := &Schema{index: map[string]int{}}
	var errs []error
	for i, f := range fields {
		switch {
		case !isIdent(f.Name) || keywords[f.Name]:
			errs = append(errs, &crm.FieldError{Field: fmt.Sprintf("fields[%d]", i), Problem: fmt.Sprintf("%q is not a field name (letters, digits, _ and ., not a keyword)", f.Name)})
		case f.Type < Number || f.Type > StringSet:
			errs = append(errs, &crm.FieldError{Field: f.Name, Problem: fmt.Sprintf("unknown type %d", f.Type)})
		default:
			if _, dup := s.index[f.Name]; dup {
				errs = append(errs, &crm.FieldError{Field: f.Name, Problem: "declared twice"})
				continue
			}
			s.index[f.Name] = len(s.fields)
			s.fields = append(s.fields, f)
			if f.Type == StringSet {
				s.sets++
			}
			if f.Type == String {
				s.pos = append(s.pos, int32(s.strs))
				s.strs++
			} else {
				s.pos = append(s.pos, int32(s.nums))
				s.nums++
			}
		}
	}
	if len(errs) > 0 {
		return nil, &crm.ValidationError{Package: "segment", What: "schema", Problems: errs}
	}
	s.empty = make([]float64, s.nums+s.moreWords())
	for i := range s.nums {
		s.empty[i] = missing
	}
	return s, nil
}

// With returns a schema with more fields, such as the host's custom
// attributes.
func (s *Schema) With(fields ...Field) (*Schema, error) {
	out, err := NewSchema(append(slices.Clone(s.fields), fields...)...)
	if err != nil {
		return nil, err
	}
	out.windows = slices.Clone(s.windows)
	return out, nil
}

// Fields lists the schema's fields in declaration order.
func (s *Schema) Fields() []Field { return slices.Clone(s.fields) }

// Field returns the named field.
func (s *Schema) Field(name string) (Field, bool) {
	i, ok := s.index[name]
	if !ok {
		return Field{}, false
	}
	return s.fields[i], true
}

// Profile is the flat view of one customer that rules read, built against
// a schema at an observation time AsOf (which "within the last N days"
// conditions are relative to). A field never set is missing. Profiles are
// made by Schema.NewProfile; a zero Profile has no fields (Get finds
// none, the setters return an error, rules read it as Unknown).
//
// A profile keeps its numbers, bools (0 or 1), times (Unix seconds),
// durations (seconds) and the places of its string sets in one array of
// float64 — NaN for a missing value, which no setter accepts — and its
// strings in another, with a bit each saying which are set. What Match
// reads first (the arrays, the first 64 strings' bits, the schema) is the
// first 64 bytes of a 128-byte header, so a condition on a number reads
// the header's first cache line and the number's.
type Profile struct {
	nums []float64 // then the bits of strings past the 64th, as float64 bits
	strs []string
	has  uint64 // the bits of the first 64 strings
	// schema is read by every Match (its check of the profile's schema).
	schema *Schema
	// CustomerID is the customer described.
	CustomerID string
	// AsOf is the observation time "within" conditions count back from.
	AsOf time.Time
	sets [][]string
}

// missing is the value of a number slot that holds nothing.
var missing = math.NaN()

// NewProfile returns an empty profile of the schema.
func (s *Schema) NewProfile(customerID string, asOf time.Time) *Profile {
	p := &Profile{CustomerID: customerID, AsOf: asOf, schema: s, nums: make([]float64, len(s.empty)), strs: make([]string, s.strs)}
	copy(p.nums, s.empty)
	if s.sets > 0 {
		p.sets = make([][]string, 0, s.sets)
	}
	return p
}

// moreWords is how many words hold the bits of strings past the 64th.
func (s *Schema) moreWords() int { return (max(s.strs-64, 0) + 63) / 64 }

// Schema returns the profile's schema.
func (p *Profile) Schema() *Schema {
	if p == nil {
		return nil
	}
	return p.schema
}

// Reset makes every field missing and gives the profile another customer
// and observation time, keeping its storage: a host building profiles in
// a loop to match and drop them can reuse one instead of allocating one
// per customer. A set a field held stays the caller's.
func (p *Profile) Reset(customerID string, asOf time.Time) {
	p.CustomerID, p.AsOf = customerID, asOf
	if p.schema == nil {
		return // a zero Profile holds no fields
	}
	copy(p.nums, p.schema.empty)
	if len(p.strs) <= 64 { // a string is "" unless its bit is set
		for h := p.has; h != 0; h &= h - 1 {
			p.strs[bits.TrailingZeros64(h)] = ""
		}
	} else {
		clear(p.strs)
	}
	p.has = 0
	clear(p.sets)
	p.sets = p.sets[:0]
}

// hasStr reports whether string k (a place in strs) is set.
func (p *Profile) hasStr(k int32) bool {
	if k < 64 {
		return p.has>>uint(k)&1 != 0
	}
	return math.Float64bits(p.nums[p.schema.nums+int(k-64)/64])>>(uint(k)&63)&1 != 0
}

// putStr sets string k; dropStr makes it missing.
func (p *Profile) putStr(k int32, v string) {
	p.strs[k] = v
	if k < 64 {
		p.has |= 1 << uint(k)
		return
	}
	w := &p.nums[p.schema.nums+int(k-64)/64]
	*w = math.Float64frombits(math.Float64bits(*w) | 1<<(uint(k)&63))
}

func (p *Profile) dropStr(k int32) {
	p.strs[k] = ""
	if k < 64 {
		p.has &^= 1 << uint(k)
		return
	}
	w := &p.nums[p.schema.nums+int(k-64)/64]
	*w = math.Float64frombits(math.Float64bits(*w) &^ (1 << (uint(k) & 63)))
}

// isSet reports whether field i (a schema index) is set.
func (p *Profile) isSet(i int) bool {
	k := p.schema.pos[i]
	if p.schema.fields[i].Type == String {
		return p.hasStr(k)
	}
	return !math.IsNaN(p.nums[k])
}

// unset makes field i missing.
func (p *Profile) unset(i int) {
	if k := p.schema.pos[i]; p.schema.fields[i].Type == String {
		p.dropStr(k)
	} else {
		p.nums[k] = missing
	}
}

// place returns field name's place, checking its type.
func (p *Profile) place(name string, want Type) (int32, error) {
	if p == nil || p.schema == nil {
		return 0, errNoSchema
	}
	i, ok := p.schema.index[name]
	if !ok {
		return 0, fmt.Errorf("segment: profile: unknown field %q: %w", name, crm.ErrInvalid)
	}
	if got := p.schema.fields[i].Type; got != want {
		return 0, fmt.Errorf("segment: profile: field %q is a %s, not a %s: %w", name, got, want, crm.ErrInvalid)
	}
	return p.schema.pos[i], nil
}

// SetNumber sets a number field; NaN and infinities are refused.
func (p *Profile) SetNumber(name string, v float64) error {
	k, err := p.place(name, Number)
	if err == nil {
		err = p.setNumber(k, name, v)
	}
	return err
}

func (p *Profile) setNumber(k int32, name string, v float64) error {
	if v-v != 0 { // NaN or an infinity
		return notFinite(name, v)
	}
	p.nums[k] = v
	return nil
}

func notFinite(name string, v float64) error {
	return fmt.Errorf("segment: profile: field %q: %v is not a finite number: %w", name, v, crm.ErrInvalid)
}

// SetString sets a string field.
func (p *Profile) SetString(name, v string) error {
	k, err := p.place(name, String)
	if err == nil {
		p.putStr(k, v)
	}
	return err
}

// SetBool sets a bool field.
func (p *Profile) SetBool(name string, v bool) error {
	k, err := p.place(name, Bool)
	if err == nil {
		p.nums[k] = boolNum(v)
	}
	return err
}

func boolNum(v bool) float64 {
	if v {
		return 1
	}
	return 0
}

// SetTime sets a time field; the zero time is refused (leave the field
// missing instead). Times are kept to the microsecond (rounded), as
// databases keep them, so that a rule reads the same in memory and in SQL.
func (p *Profile) SetTime(name string, v time.Time) error {
	if v.IsZero() {
		return zeroTime(name)
	}
	k, err := p.place(name, Time)
	if err == nil {
		p.nums[k] = timeSeconds(v)
	}
	return err
}

func zeroTime(name string) error {
	return fmt.Errorf("segment: profile: field %q: zero time (leave it unset for missing): %w", name, crm.ErrInvalid)
}

// SetDuration sets a duration field.
func (p *Profile) SetDuration(name string, v time.Duration) error {
	k, err := p.place(name, Duration)
	if err == nil {
		p.nums[k] = v.Seconds()
	}
	return err
}

// SetStrings sets a string-set field (the profile keeps the slice).
func (p *Profile) SetStrings(name string, v []string) error {
	k, err := p.place(name, StringSet)
	if err == nil {
		p.setStrings(k, v)
	}
	return err
}

// setStrings sets the string set whose place in nums is k.
func (p *Profile) setStrings(k int32, v []string) {
	if x := p.nums[k]; !math.IsNaN(x) {
		p.sets[int(x)] = v
		return
	}
	p.nums[k] = float64(len(p.sets))
	p.sets = append(p.sets, v)
}

// set returns the string set whose place in nums is k; it must be set.
func (p *Profile) set(k int32) []string { return p.sets[int(p.nums[k])] }

// errNoSchema is the error of a zero Profile's setters.
var errNoSchema = fmt.Errorf("segment: profile: not made by a schema (Schema.NewProfile): %w", crm.ErrInvalid)

// Unset makes a field missing.
func (p *Profile) Unset(name string) error {
	if p == nil || p.schema == nil {
		return errNoSchema
	}
	i, ok := p.schema.index[name]
	if !ok {
		return fmt.Errorf("segment: profile: unknown field %q: %w", name, crm.ErrInvalid)
	}
	p.unset(i)
	return nil
}

// Get returns a field's value as float64 (number), string, bool,
// time.Time, time.Duration or []string (a copy), and whether it is set.
func (p *Profile) Get(name string) (any, bool) {
	if p == nil || p.schema == nil {
		return nil, false
	}
	i, ok := p.schema.index[name]
	if !ok || !p.isSet(i) {
		return nil, false
	}
	k := p.schema.pos[i]
	switch p.schema.fields[i].Type {
	case Number:
		return p.nums[k], true
	case String:
		return p.strs[k], true
	case Bool:
		return p.nums[k] != 0, true
	case Time:
		return secondsTime(p.nums[k]), true
	case Duration:
		return time.Duration(p.nums[k] * float64(time.Second)), true
	}
	return slices.Clone(p.set(k)), true // the profile's may be shared (see Value.Set)
}

// timeSeconds is t as Unix seconds, rounded to the microsecond as
// PostgreSQL and MySQL store times, so that rules compare times in memory
// as they do in SQL. Distinct microseconds stay distinct, and in order,
// from 1698 to 2242 (where a float64's spacing reaches a microsecond).
func timeSeconds(t time.Time) float64 {
	t = t.Round(time.Microsecond)
	return float64(t.Unix()) + float64(t.Nanosecond()/1000)/1e6
}

// secondsTime is timeSeconds undone, to the microsecond it kept.
func secondsTime(s float64) time.Time {
	sec := math.Floor(s)
	return time.Unix(int64(sec), int64(math.Round((s-sec)*1e6))*1000).UTC()
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '.'):
		default:
			return false
		}
	}
	return s[len(s)-1] != '.'
}

// Only returns a schema of just the named fields, in the given order, for
// profiles that carry no more than the rules read (RuleFields lists a
// rule's fields).
func (s *Schema) Only(names ...string) (*Schema, error) {
	fields := make([]Field, 0, len(names))
	for _, n := range names {
		f, ok := s.Field(n)
		if !ok {
			return nil, fmt.Errorf("segment: schema: unknown field %q: %w", n, crm.ErrInvalid)
		}
		fields = append(fields, f)
	}
	out, err := NewSchema(fields...)
	if err != nil {
		return nil, err
	}
	for _, w := range s.windows {
		if slices.Contains(names, w.Name) {
			out.windows = append(out.windows, w)
		}
	}
	return out, nil
}
