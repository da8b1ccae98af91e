package segment

import (
	"fmt"
	"time"

	"github.com/crmkit/crm"
)

// Handle is a schema's field looked up once: setting a value through it
// costs an index, not a name lookup, so a host building many profiles
// resolves its fields before the loop:
//
//	recency, _ := schema.Handle("recency_days")
//	for … {
//		p.Reset(id, asOf)
//		recency.SetNumber(p, days)
//	}
//
// A handle sets the profiles of its own schema only; a profile of another
// schema, or a value of another type, is an error, as with the setters by
// name. The zero Handle sets nothing (every call is an error).
type Handle struct {
	// Three words, passed in registers: the field itself is the schema's.
	schema     *Schema
	index, pos int32 // the field's in the schema, and its place in a profile
	typ        Type
}

// Handle returns the handle of the named field, or an error naming a near
// field when there is none.
func (s *Schema) Handle(name string) (Handle, error) {
	i, ok := s.index[name]
	if !ok {
		hint := ""
		if near := s.suggest(name); near != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", near)
		}
		return Handle{}, fmt.Errorf("segment: schema: unknown field %q%s: %w", name, hint, crm.ErrInvalid)
	}
	return Handle{schema: s, index: int32(i), pos: s.pos[i], typ: s.fields[i].Type}, nil
}

// Field returns the handle's field (the zero Field for the zero Handle).
func (h Handle) Field() Field {
	if h.schema == nil {
		return Field{}
	}
	return h.schema.fields[h.index]
}

// fits reports whether the handle may set p's field as a want: the only
// check on the path that does not fail, small enough to inline.
func (h Handle) fits(p *Profile, want Type) bool {
	return h.schema != nil && p != nil && p.schema == h.schema && h.typ == want
}

// refuse says why fits refused.
func (h Handle) refuse(p *Profile, want Type) error {
	switch {
	case h.schema == nil:
		return fmt.Errorf("segment: handle: the zero Handle: %w", crm.ErrInvalid)
	case p == nil || p.schema != h.schema:
		return fmt.Errorf("segment: handle %q: the profile is not of the handle's schema: %w", h.Field().Name, crm.ErrInvalid)
	}
	return fmt.Errorf("segment: profile: field %q is a %s, not a %s: %w", h.Field().Name, h.typ, want, crm.ErrInvalid)
}

// SetNumber sets a number field, as Profile.SetNumber.
func (h Handle) SetNumber(p *Profile, v float64) error {
	if !h.fits(p, Number) {
		return h.refuse(p, Number)
	}
	if v-v != 0 { // NaN or an infinity
		return notFinite(h.Field().Name, v)
	}
	p.nums[h.pos] = v
	return nil
}

// SetString sets a string field, as Profile.SetString.
func (h Handle) SetString(p *Profile, v string) error {
	if !h.fits(p, String) {
		return h.refuse(p, String)
	}
	p.putStr(h.pos, v)
	return nil
}

// SetBool sets a bool field, as Profile.SetBool.
func (h Handle) SetBool(p *Profile, v bool) error {
	if !h.fits(p, Bool) {
		return h.refuse(p, Bool)
	}
	p.nums[h.pos] = boolNum(v)
	return nil
}

// SetTime sets a time field, as Profile.SetTime (the zero time is
// refused; times are kept to the microsecond).
func (h Handle) SetTime(p *Profile, v time.Time) error {
	switch {
	case !h.fits(p, Time):
		return h.refuse(p, Time)
	case v.IsZero():
		return zeroTime(h.Field().Name)
	}
	p.nums[h.pos] = timeSeconds(v)
	return nil
}

// SetDuration sets a duration field, as Profile.SetDuration.
func (h Handle) SetDuration(p *Profile, v time.Duration) error {
	if !h.fits(p, Duration) {
		return h.refuse(p, Duration)
	}
	p.nums[h.pos] = v.Seconds()
	return nil
}

// SetStrings sets a string-set field, as Profile.SetStrings (the profile
// keeps the slice).
func (h Handle) SetStrings(p *Profile, v []string) error {
	if !h.fits(p, StringSet) {
		return h.refuse(p, StringSet)
	}
	p.setStrings(h.pos, v)
	return nil
}

// Unset makes the field missing.
func (h Handle) Unset(p *Profile) error {
	if !h.fits(p, h.typ) {
		return h.refuse(p, h.typ)
	}
	p.unset(int(h.index))
	return nil
}
