package crm

import (
	"context"
	"iter"
	"slices"
	"strings"
)

// ContactIndex finds customers by how they reach the company, so that a
// caller or an e-mail is recognised. Addresses and numbers are compared
// by their keys (EmailKey, PhoneKey), so "Ana@Example.org " finds
// ana@example.org and "+49 (30) 1234-567" finds 0049301234567. A store
// implements it beside CustomerStore and proves it with
// crmtest.TestContactIndex. Implementations must be safe for concurrent
// use.
type ContactIndex interface {
	// CustomersByEmail streams, by ID, the customers whose e-mail
	// address has the key of email; none when no customer has it.
	CustomersByEmail(ctx context.Context, email string) iter.Seq2[Customer, error]
	// CustomersByPhone streams, by ID, the customers whose phone number
	// has the key of phone; none when no customer has it.
	CustomersByPhone(ctx context.Context, phone string) iter.Seq2[Customer, error]
}

// EmailKey is the form an e-mail address is looked up by: trimmed and in
// lower case (mail providers treat addresses without regard to case).
func EmailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// PhoneKey is the form a phone number is looked up by: its digits, with a
// leading + kept and an international prefix 00 written as +. A national
// number stays national (0301234567): without the customer's country it
// cannot be made international.
func PhoneKey(phone string) string {
	var b strings.Builder
	for i, r := range strings.TrimSpace(phone) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteByte('+')
		}
	}
	k := b.String()
	if rest, ok := strings.CutPrefix(k, "00"); ok {
		k = "+" + rest
	}
	return k
}

// contactKeys indexes customer IDs by e-mail and phone key.
type contactKeys struct {
	email, phone map[string][]string // sorted IDs
}

func (k *contactKeys) add(c *Customer) {
	if k.email == nil {
		k.email, k.phone = map[string][]string{}, map[string][]string{}
	}
	put := func(m map[string][]string, key string) {
		if key == "" {
			return
		}
		ids := m[key]
		if i, ok := slices.BinarySearch(ids, c.ID); !ok {
			m[key] = slices.Insert(ids, i, c.ID)
		}
	}
	put(k.email, EmailKey(c.Email))
	put(k.phone, PhoneKey(c.Phone))
}

func (k *contactKeys) remove(c *Customer) {
	drop := func(m map[string][]string, key string) {
		ids := m[key]
		if i, ok := slices.BinarySearch(ids, c.ID); ok {
			ids = slices.Delete(ids, i, i+1)
			if len(ids) == 0 {
				delete(m, key)
			} else {
				m[key] = ids
			}
		}
	}
	if k.email != nil {
		drop(k.email, EmailKey(c.Email))
		drop(k.phone, PhoneKey(c.Phone))
	}
}

// CustomersByEmail implements ContactIndex.
func (s *MemoryStore) CustomersByEmail(ctx context.Context, email string) iter.Seq2[Customer, error] {
	return s.byKey(ctx, func(k *contactKeys) []string { return k.email[EmailKey(email)] }, email == "")
}

// CustomersByPhone implements ContactIndex.
func (s *MemoryStore) CustomersByPhone(ctx context.Context, phone string) iter.Seq2[Customer, error] {
	return s.byKey(ctx, func(k *contactKeys) []string { return k.phone[PhoneKey(phone)] }, PhoneKey(phone) == "")
}

func (s *MemoryStore) byKey(ctx context.Context, ids func(*contactKeys) []string, empty bool) iter.Seq2[Customer, error] {
	return func(yield func(Customer, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(Customer{}, err)
			return
		}
		if empty {
			return
		}
		m := &s.customers
		m.mu.RLock()
		var out []Customer
		for _, id := range ids(&m.keys) {
			out = append(out, m.byID[id].Clone())
		}
		m.mu.RUnlock()
		for _, c := range out {
			if !yield(c, nil) {
				return
			}
		}
	}
}
