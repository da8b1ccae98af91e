package segment

import (
	"fmt"
	"math"
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
		}
	}
	if len(errs) > 0 {
		return nil, &crm.ValidationError{Package: "segment", What: "schema", Problems: errs}
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

// slot is one field's value in a profile. Numbers, times (Unix seconds)
// and durations (seconds) live in num; a string set lives in the profile's
// sets, at index num. Keeping sets out of the slot keeps it at 32 bytes.
type slot struct {
	num float64
	str string
	ok  bool
}

// Profile is the flat view of one customer that rules read, built against
// a schema at an observation time AsOf (which "within the last N days"
// conditions are relative to). A field never set is missing.
type Profile struct {
	// CustomerID is the customer described.
	CustomerID string
	// AsOf is the observation time "within" conditions count back from.
	AsOf   time.Time
	schema *Schema
	slots  []slot
	sets   [][]string
}

// NewProfile returns an empty profile of the schema.
func (s *Schema) NewProfile(customerID string, asOf time.Time) *Profile {
	p := &Profile{CustomerID: customerID, AsOf: asOf, schema: s, slots: make([]slot, len(s.fields))}
	if s.sets > 0 {
		p.sets = make([][]string, 0, s.sets)
	}
	return p
}

// Schema returns the profile's schema.
func (p *Profile) Schema() *Schema { return p.schema }

// Reset makes every field missing and gives the profile another customer
// and observation time, keeping its storage: a host building profiles in
// a loop to match and drop them can reuse one instead of allocating one
// per customer. A set a field held stays the caller's.
func (p *Profile) Reset(customerID string, asOf time.Time) {
	p.CustomerID, p.AsOf = customerID, asOf
	clear(p.slots)
	clear(p.sets)
	p.sets = p.sets[:0]
}

func (p *Profile) slotFor(name string, want Type) (*slot, error) {
	i, ok := p.schema.index[name]
	if !ok {
		return nil, fmt.Errorf("segment: profile: unknown field %q: %w", name, crm.ErrInvalid)
	}
	if got := p.schema.fields[i].Type; got != want {
		return nil, fmt.Errorf("segment: profile: field %q is a %s, not a %s: %w", name, got, want, crm.ErrInvalid)
	}
	return &p.slots[i], nil
}

// SetNumber sets a number field; NaN and infinities are refused.
func (p *Profile) SetNumber(name string, v float64) error {
	s, err := p.slotFor(name, Number)
	if err == nil {
		err = setNumber(s, name, v)
	}
	return err
}

func setNumber(s *slot, name string, v float64) error {
	if v-v != 0 { // NaN or an infinity
		return notFinite(name, v)
	}
	*s = slot{num: v, ok: true}
	return nil
}

func notFinite(name string, v float64) error {
	return fmt.Errorf("segment: profile: field %q: %v is not a finite number: %w", name, v, crm.ErrInvalid)
}

// SetString sets a string field.
func (p *Profile) SetString(name, v string) error {
	s, err := p.slotFor(name, String)
	if err == nil {
		*s = slot{str: v, ok: true}
	}
	return err
}

// SetBool sets a bool field.
func (p *Profile) SetBool(name string, v bool) error {
	s, err := p.slotFor(name, Bool)
	if err == nil {
		setBool(s, v)
	}
	return err
}

func setBool(s *slot, v bool) {
	*s = slot{ok: true}
	if v {
		s.num = 1
	}
}

// SetTime sets a time field; the zero time is refused (leave the field
// missing instead). Times are kept to the microsecond (rounded), as
// databases keep them, so that a rule reads the same in memory and in SQL.
func (p *Profile) SetTime(name string, v time.Time) error {
	if v.IsZero() {
		return zeroTime(name)
	}
	s, err := p.slotFor(name, Time)
	if err == nil {
		*s = slot{num: timeSeconds(v), ok: true}
	}
	return err
}

func zeroTime(name string) error {
	return fmt.Errorf("segment: profile: field %q: zero time (leave it unset for missing): %w", name, crm.ErrInvalid)
}

// SetDuration sets a duration field.
func (p *Profile) SetDuration(name string, v time.Duration) error {
	s, err := p.slotFor(name, Duration)
	if err == nil {
		*s = slot{num: v.Seconds(), ok: true}
	}
	return err
}

// SetStrings sets a string-set field (the profile keeps the slice).
func (p *Profile) SetStrings(name string, v []string) error {
	s, err := p.slotFor(name, StringSet)
	if err == nil {
		p.setStrings(s, v)
	}
	return err
}

func (p *Profile) setStrings(s *slot, v []string) {
	if s.ok {
		p.sets[int(s.num)] = v
		return
	}
	*s = slot{num: float64(len(p.sets)), ok: true}
	p.sets = append(p.sets, v)
}

// set returns the string set in a slot.
func (p *Profile) set(s *slot) []string { return p.sets[int(s.num)] }

// Unset makes a field missing.
func (p *Profile) Unset(name string) error {
	i, ok := p.schema.index[name]
	if !ok {
		return fmt.Errorf("segment: profile: unknown field %q: %w", name, crm.ErrInvalid)
	}
	p.slots[i] = slot{}
	return nil
}

// Get returns a field's value as float64 (number), string, bool,
// time.Time, time.Duration or []string (a copy), and whether it is set.
func (p *Profile) Get(name string) (any, bool) {
	i, ok := p.schema.index[name]
	if !ok || !p.slots[i].ok {
		return nil, false
	}
	s := &p.slots[i]
	switch p.schema.fields[i].Type {
	case Number:
		return s.num, true
	case String:
		return s.str, true
	case Bool:
		return s.num != 0, true
	case Time:
		return secondsTime(s.num), true
	case Duration:
		return time.Duration(s.num * float64(time.Second)), true
	}
	return slices.Clone(p.set(s)), true // the profile's may be shared (see Value.Set)
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
