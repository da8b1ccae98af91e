package crm

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinel errors. Every error returned by crmkit that falls in one of these
// classes wraps the sentinel, so callers match with errors.Is and never by
// message.
var (
	// ErrNotFound reports that the requested record does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists reports that a record with the same identity already exists
	// with different content.
	ErrExists = errors.New("already exists")
	// ErrConflict reports an optimistic-concurrency failure: the write was
	// based on a version that is no longer current.
	ErrConflict = errors.New("version conflict")
	// ErrInvalid reports input that breaks a documented rule.
	ErrInvalid = errors.New("invalid")
)

// FieldError describes one invalid field. It wraps ErrInvalid.
//
// Field is a path such as "email" or "items[2].quantity".
type FieldError struct {
	// Field is the path of the field ("email", "items[2].quantity").
	Field string
	// Problem says what is wrong with it.
	Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// Unwrap returns ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// ConflictError reports a stale write: the caller held version Have but the
// store holds version Current. It wraps ErrConflict.
type ConflictError struct {
	// Package is the package (or adapter) that speaks, as the message's
	// prefix; "" is "crm".
	Package string
	// Kind names the record: "customer", "item", "roadmap", …
	Kind string
	// ID is the record's key.
	ID string
	// Have is the version the write was based on; Current the stored one
	// (0 when there is none).
	Have, Current int64
}

func (e *ConflictError) Error() string {
	pkg := e.Package
	if pkg == "" {
		pkg = "crm"
	}
	return fmt.Sprintf("%s: %s %q: version conflict: write based on version %d, stored version is %d", pkg, e.Kind, e.ID, e.Have, e.Current)
}

// Unwrap returns ErrConflict.
func (e *ConflictError) Unwrap() error { return ErrConflict }

// TransitionError is a workflow step the subject's state does not allow: a
// lifecycle move, a desk action, a roadmap status change. Lifecycle,
// feedback and roadmap all refuse with it, so one errors.As reaches any of
// them. It wraps ErrInvalid.
type TransitionError struct {
	// Package is the package that speaks, as the message's prefix.
	Package string
	// Subject is what would move: `customer "c1"`, `item "F1"`.
	Subject string
	// From is the subject's state; To the state or action refused.
	From, To string
	// Allowed lists what From allows, in order; empty when nothing does.
	Allowed []string
	// Reason, when set, says why a move From allows is refused this time
	// (a sign-off missing, say).
	Reason string
}

func (e *TransitionError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("%s: %s: %s → %s is refused: %s", e.Package, e.Subject, e.From, e.To, e.Reason)
	}
	allowed := "nothing is allowed from " + e.From
	if len(e.Allowed) > 0 {
		allowed = "allowed from " + e.From + ": " + strings.Join(e.Allowed, ", ")
	}
	return fmt.Sprintf("%s: %s: %s → %s is not allowed; %s", e.Package, e.Subject, e.From, e.To, allowed)
}

// Unwrap returns ErrInvalid.
func (e *TransitionError) Unwrap() error { return ErrInvalid }

// problems accumulates validation findings; its err method joins them.
type problems []error

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
}

func (p problems) err(what string) error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{What: what, Problems: p}
}

// errOf is err for the record of the kind with the ID, named only when
// there are problems (the happy path formats and allocates nothing).
func (p problems) errOf(kind, id string) error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{What: kind + " " + strconv.Quote(id), Problems: p}
}

// ValidationError lists every problem found in one record. It wraps
// ErrInvalid and each problem (usually *FieldError), so errors.As reaches the
// individual fields.
type ValidationError struct {
	// Package is the package that speaks, as the message's prefix; "" is
	// "crm".
	Package string
	What    string // "customer \"c1\"", "transaction \"t9\"", "desk options", ...
	// Problems are every problem found, usually *FieldError values.
	Problems []error
}

func (e *ValidationError) Error() string {
	pkg := e.Package
	if pkg == "" {
		pkg = "crm"
	}
	s := pkg + ": invalid " + e.What + ": "
	for i, p := range e.Problems {
		if i > 0 {
			s += "; "
		}
		s += p.Error()
	}
	return s
}

// Unwrap returns ErrInvalid followed by every problem.
func (e *ValidationError) Unwrap() []error {
	return append([]error{ErrInvalid}, e.Problems...)
}
