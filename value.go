package crm

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// Kind is the type of a custom attribute value.
type Kind uint8

// Attribute kinds. The zero Kind is invalid, so an unset Value is caught by
// validation.
const (
	KindInvalid Kind = iota
	KindString
	KindNumber
	KindBool
	KindTime
)

var kindNames = [...]string{"invalid", "string", "number", "bool", "time"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// ParseKind returns the Kind named s ("string", "number", "bool", "time").
func ParseKind(s string) (Kind, error) {
	for k := KindString; k <= KindTime; k++ {
		if kindNames[k] == s {
			return k, nil
		}
	}
	return KindInvalid, fmt.Errorf("crm: unknown attribute kind %q (want string, number, bool or time): %w", s, ErrInvalid)
}

// Value is a typed custom attribute: a string, a finite number, a bool or a
// time. Rules and segment schemas read the kind, so it is always explicit.
// The zero Value has KindInvalid.
type Value struct {
	kind Kind
	s    string
	n    float64
	t    time.Time
}

// StringValue returns a string Value.
func StringValue(s string) Value { return Value{kind: KindString, s: s} }

// NumberValue returns a number Value. NaN and infinities fail validation.
func NumberValue(n float64) Value { return Value{kind: KindNumber, n: n} }

// BoolValue returns a bool Value.
func BoolValue(b bool) Value {
	v := Value{kind: KindBool}
	if b {
		v.n = 1
	}
	return v
}

// TimeValue returns a time Value.
func TimeValue(t time.Time) Value { return Value{kind: KindTime, t: t} }

// Kind reports the value's kind.
func (v Value) Kind() Kind { return v.kind }

// Str returns the string and whether v is a string.
func (v Value) Str() (string, bool) { return v.s, v.kind == KindString }

// Number returns the number and whether v is a number.
func (v Value) Number() (float64, bool) { return v.n, v.kind == KindNumber }

// Bool returns the bool and whether v is a bool.
func (v Value) Bool() (bool, bool) { return v.n != 0, v.kind == KindBool }

// Time returns the time and whether v is a time.
func (v Value) Time() (time.Time, bool) { return v.t, v.kind == KindTime }

// Equal reports whether v and w have the same kind and value (times compared
// with time.Time.Equal).
func (v Value) Equal(w Value) bool {
	if v.kind != w.kind {
		return false
	}
	switch v.kind {
	case KindString:
		return v.s == w.s
	case KindTime:
		return v.t.Equal(w.t)
	default:
		return v.n == w.n
	}
}

func (v Value) String() string {
	switch v.kind {
	case KindString:
		return v.s
	case KindNumber:
		return fmt.Sprint(v.n)
	case KindBool:
		return fmt.Sprint(v.n != 0)
	case KindTime:
		return v.t.Format(time.RFC3339Nano)
	}
	return "<invalid>"
}

func (v Value) validate() string {
	switch v.kind {
	case KindString, KindBool:
		return ""
	case KindTime:
		return timeProblem(v.t)
	case KindNumber:
		if math.IsNaN(v.n) || math.IsInf(v.n, 0) {
			return "number must be finite"
		}
		return ""
	}
	return "value has no kind"
}

type valueJSON struct {
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// MarshalJSON encodes v as {"type": "number", "value": 3}. Times use RFC 3339
// with nanoseconds.
func (v Value) MarshalJSON() ([]byte, error) {
	if msg := v.validate(); msg != "" {
		return nil, fmt.Errorf("crm: marshal attribute value: %s: %w", msg, ErrInvalid)
	}
	var raw []byte
	var err error
	switch v.kind {
	case KindString:
		raw, err = json.Marshal(v.s)
	case KindNumber:
		raw, err = json.Marshal(v.n)
	case KindBool:
		raw, err = json.Marshal(v.n != 0)
	case KindTime:
		raw, err = json.Marshal(v.t)
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(valueJSON{Type: v.kind.String(), Value: raw})
}

// UnmarshalJSON decodes the form written by MarshalJSON.
func (v *Value) UnmarshalJSON(b []byte) error {
	var j valueJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	k, err := ParseKind(j.Type)
	if err != nil {
		return err
	}
	var out Value
	switch k {
	case KindString:
		var s string
		err = json.Unmarshal(j.Value, &s)
		out = StringValue(s)
	case KindNumber:
		var n float64
		err = json.Unmarshal(j.Value, &n)
		out = NumberValue(n)
	case KindBool:
		var b bool
		err = json.Unmarshal(j.Value, &b)
		out = BoolValue(b)
	case KindTime:
		var t time.Time
		err = json.Unmarshal(j.Value, &t)
		out = TimeValue(t)
	}
	if err != nil {
		return fmt.Errorf("crm: attribute value of type %s: %w", k, err)
	}
	*v = out
	return nil
}

// IsIdentifier reports whether s can name an attribute: an ASCII letter or
// underscore followed by letters, digits or underscores. Rule texts refer to
// such names without quoting.
func IsIdentifier(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return s != ""
}

// isToken reports whether s is a lowercase name (channels, kinds): a
// lowercase ASCII letter followed by lowercase letters, digits or
// underscores.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || i > 0 && (c == '_' || '0' <= c && c <= '9')) {
			return false
		}
	}
	return s != ""
}
