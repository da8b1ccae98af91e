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
	schema *Schema
	index  int
	field  Field
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
	return Handle{schema: s, index: i, field: s.fields[i]}, nil
}

// Field returns the handle's field.
func (h Handle) Field() Field { return h.field }

func (h Handle) slot(p *Profile, want Type) (*slot, error) {
	if h.schema != nil && p != nil && p.schema == h.schema && h.field.Type == want {
		return &p.slots[h.index], nil // the only path that does not fail, kept small enough to inline
	}
	return nil, h.refuse(p, want)
}

// refuse says why slot refused.
func (h Handle) refuse(p *Profile, want Type) error {
	switch {
	case h.schema == nil:
		return fmt.Errorf("segment: handle: the zero Handle: %w", crm.ErrInvalid)
	case p == nil || p.schema != h.schema:
		return fmt.Errorf("segment: handle %q: the profile is not of the handle's schema: %w", h.field.Name, crm.ErrInvalid)
	}
	return fmt.Errorf("segment: profile: field %q is a %s, not a %s: %w", h.field.Name, h.field.Type, want, crm.ErrInvalid)
}

// SetNumber sets a number field, as Profile.SetNumber.
func (h Handle) SetNumber(p *Profile, v float64) error {
	s, err := h.slot(p, Number)
	if err == nil {
		err = setNumber(s, h.field.Name, v)
	}
	return err
}

// SetString sets a string field, as Profile.SetString.
func (h Handle) SetString(p *Profile, v string) error {
	s, err := h.slot(p, String)
	if err == nil {
		*s = slot{str: v, ok: true}
	}
	return err
}

// SetBool sets a bool field, as Profile.SetBool.
func (h Handle) SetBool(p *Profile, v bool) error {
	s, err := h.slot(p, Bool)
	if err == nil {
		setBool(s, v)
	}
	return err
}

// SetTime sets a time field, as Profile.SetTime (the zero time is
// refused; times are kept to the microsecond).
func (h Handle) SetTime(p *Profile, v time.Time) error {
	s, err := h.slot(p, Time)
	switch {
	case err != nil:
		return err
	case v.IsZero():
		return zeroTime(h.field.Name)
	}
	*s = slot{num: timeSeconds(v), ok: true}
	return nil
}

// SetDuration sets a duration field, as Profile.SetDuration.
func (h Handle) SetDuration(p *Profile, v time.Duration) error {
	s, err := h.slot(p, Duration)
	if err == nil {
		*s = slot{num: v.Seconds(), ok: true}
	}
	return err
}

// SetStrings sets a string-set field, as Profile.SetStrings (the profile
// keeps the slice).
func (h Handle) SetStrings(p *Profile, v []string) error {
	s, err := h.slot(p, StringSet)
	if err == nil {
		p.setStrings(s, v)
	}
	return err
}

// Unset makes the field missing.
func (h Handle) Unset(p *Profile) error {
	s, err := h.slot(p, h.field.Type)
	if err == nil {
		*s = slot{}
	}
	return err
}
