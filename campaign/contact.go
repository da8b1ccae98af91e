package campaign

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/internal/bounds"
	"github.com/crmkit/crm/internal/hashindex"
)

// Reason says why a contact was not sent.
type Reason string

// Reasons a contact is suppressed.
const (
	DoNotContact Reason = "do_not_contact" // the customer asked not to be contacted
	FrequencyCap Reason = "frequency_cap"  // enough contact already, across every campaign and play
	NoChannel    Reason = "no_channel"     // none of the play's channels is one the customer accepts
	QuietHours   Reason = "quiet_hours"    // the customer's quiet hours push it past the campaign's window
	StageGuard   Reason = "stage_guard"    // the customer's stage forbids this kind of play
	ControlGroup Reason = "control_group"  // held out at random to measure the campaign's effect
	BadTemplate  Reason = "bad_template"   // the play cannot be written for this customer (a field it lacks)
	NoConsent    Reason = "consent"        // the customer refused or never gave consent for this purpose on this channel
)

// Contact is one decision about one customer in one campaign, made once:
// sent (with the message) or suppressed (with the reason).
type Contact struct {
	// ID is the campaign's ID and the customer's, "spring-winback/C0000042":
	// a customer is decided once per campaign.
	ID string `json:"id"`
	// CustomerID is the customer.
	CustomerID string `json:"customer_id"`
	// Campaign is the campaign's ID.
	Campaign string `json:"campaign"`
	// Play is the play decided on.
	Play string `json:"play"`
	// At is when it was decided.
	At time.Time `json:"at"`
	// Sent says the message went out; Reason and Detail say why not.
	Sent bool `json:"sent"`
	// Reason is why it was suppressed.
	Reason Reason `json:"reason,omitempty"`
	// Detail says the reason in words.
	Detail string `json:"detail,omitempty"`
	// Channel, Subject, Body and SendAt are the message sent.
	Channel crm.Channel `json:"channel,omitempty"`
	// Subject is the message's subject line.
	Subject string `json:"subject,omitempty"`
	// Body is the message's text.
	Body string `json:"body,omitempty"`
	// SendAt is when it goes out, after the customer's quiet hours.
	SendAt time.Time `json:"send_at,omitzero"`
}

// OutcomeKind is what came of a contact.
type OutcomeKind string

// Outcome kinds.
const (
	Responded   OutcomeKind = "responded"   // the customer answered, opened, called back
	Converted   OutcomeKind = "converted"   // the customer did what the campaign wanted
	Disposition OutcomeKind = "disposition" // how a call went, in the agent's words
)

// Outcome is what came of a contact — or, for a customer held out as
// control, what the customer did anyway (so uplift can be measured).
type Outcome struct {
	// ID identifies the outcome; appending it again is a no-op.
	ID string `json:"id"`
	// Contact is the contact's ID.
	Contact string `json:"contact"`
	// Campaign is the contact's campaign.
	Campaign string `json:"campaign"`
	// Kind is responded, converted or a call's disposition.
	Kind OutcomeKind `json:"kind"`
	// At is when it happened.
	At time.Time `json:"at"`
	// Note is the disposition in words ("accepted the free repair",
	// "dealer may call Tuesday afternoon").
	Note string `json:"note,omitempty"`
	// Value is what a conversion brought, when known.
	Value crm.Money `json:"value"`
}

// Validate reports every problem with the outcome at once.
func (o Outcome) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &crm.FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if o.ID == "" {
		bad("id", "empty")
	}
	if o.Contact == "" {
		bad("contact", "empty")
	}
	if o.Campaign == "" {
		bad("campaign", "empty")
	}
	switch o.Kind {
	case Responded, Converted:
	case Disposition:
		if o.Note == "" {
			bad("note", "a disposition says how the call went")
		}
	default:
		bad("kind", "%q is not responded, converted or disposition", o.Kind)
	}
	if o.At.IsZero() {
		bad("at", "zero")
	} else if p := bounds.Time(o.At); p != "" {
		bad("at", "%s", p)
	}
	if len(errs) > 0 {
		return &crm.ValidationError{Package: "campaign", What: fmt.Sprintf("outcome %q", o.ID), Problems: errs}
	}
	return nil
}

// Store is the contact log every campaign and play shares, with the
// outcomes recorded against it: append-only logs. It persists and decides
// nothing. A host implements it on its own database and proves it with
// campaigntest.TestStore. Implementations must be safe for concurrent use.
type Store interface {
	// AppendContacts stores a batch atomically: every contact or none. A
	// contact already stored (same ID, equal content) is a no-op; the same
	// ID with other content is crm.ErrExists.
	AppendContacts(ctx context.Context, cs ...Contact) error
	// Contact returns the contact with the ID, or crm.ErrNotFound.
	Contact(ctx context.Context, id string) (Contact, error)
	// CustomerContacts streams one customer's contacts, by At then ID,
	// oldest first; none for an unknown customer.
	CustomerContacts(ctx context.Context, customerID string) iter.Seq2[Contact, error]
	// CampaignContacts streams one campaign's contacts by ID.
	CampaignContacts(ctx context.Context, campaign string) iter.Seq2[Contact, error]
	// AppendOutcomes stores a batch atomically. An outcome already stored
	// is a no-op; the same ID with other content is crm.ErrExists; one
	// naming a contact the log does not hold is crm.ErrNotFound.
	AppendOutcomes(ctx context.Context, os ...Outcome) error
	// Outcomes streams one campaign's outcomes by ID.
	Outcomes(ctx context.Context, campaign string) iter.Seq2[Outcome, error]
}

// MemoryStore is the in-memory Store, safe for concurrent use: the
// reference implementation of the Store contract.
//
// Contacts are kept in fixed chunks in the order they were appended and
// found through hash indexes of the contact's ID and of the customer's ID
// (no pointers for the collector to scan; a lookup hashes once).
type MemoryStore struct {
	mu         sync.RWMutex
	chunks     [][]Contact        // the contacts in order of appending, chunkSize each, never moved
	n          int32              // how many
	ids        *hashindex.Index   // contacts by ID
	customers  *hashindex.Index   // contacts by customer ID
	byCampaign map[string][]int32 // by ID
	outcomes   map[string]Outcome
	byOutcome  map[string][]string // outcome IDs by campaign, sorted
}

// chunkSize is how many contacts one chunk of the memory store holds:
// appending never copies the contacts already kept.
const chunkSize = 4096

// at is the contact at position i.
func (m *MemoryStore) at(i int32) *Contact { return &m.chunks[i/chunkSize][i%chunkSize] }

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{ids: hashindex.New(), customers: hashindex.New(),
		byCampaign: map[string][]int32{}, outcomes: map[string]Outcome{}, byOutcome: map[string][]string{}}
}

// storedID is the ID of the stored contact at position i.
func (m *MemoryStore) storedID(i int) string { return m.at(int32(i)).ID }

// find returns the position of the contact with the ID, or −1.
func (m *MemoryStore) find(id string) int32 { return int32(m.ids.Find(id, m.storedID)) }

var _ Store = (*MemoryStore)(nil)

// Equal reports whether c and o are the same contact (times compared as
// instants).
func (c Contact) Equal(o Contact) bool {
	return c.ID == o.ID && c.CustomerID == o.CustomerID && c.Campaign == o.Campaign && c.Play == o.Play && c.At.Equal(o.At) &&
		c.Sent == o.Sent && c.Reason == o.Reason && c.Detail == o.Detail && c.Channel == o.Channel && c.Subject == o.Subject &&
		c.Body == o.Body && c.SendAt.Equal(o.SendAt)
}

// Equal reports whether o and x are the same outcome (times as instants,
// amounts as numbers).
func (o Outcome) Equal(x Outcome) bool {
	return o.ID == x.ID && o.Contact == x.Contact && o.Campaign == x.Campaign && o.Kind == x.Kind && o.At.Equal(x.At) &&
		o.Note == x.Note && o.Value.Currency == x.Value.Currency && o.Value.Amount.Equal(x.Value.Amount)
}

// checkContact reports what no store can keep or no reader can use.
func checkContact(i int, c Contact) error {
	var errs []error
	bad := func(field, problem string) { errs = append(errs, &crm.FieldError{Field: field, Problem: problem}) }
	if c.ID == "" {
		bad("id", "empty")
	}
	if c.CustomerID == "" {
		bad("customer_id", "empty")
	}
	if c.Campaign == "" {
		bad("campaign", "empty")
	}
	if c.At.IsZero() {
		bad("at", "zero")
	} else if p := bounds.Time(c.At); p != "" {
		bad("at", p)
	}
	if p := bounds.Time(c.SendAt); !c.SendAt.IsZero() && p != "" {
		bad("send_at", p)
	}
	if !c.Sent && c.Reason == "" {
		bad("reason", "a suppressed contact says why")
	}
	if len(errs) > 0 {
		return &crm.ValidationError{Package: "campaign", What: fmt.Sprintf("contact %d %q", i, c.ID), Problems: errs}
	}
	return nil
}

// AppendContacts implements Store.
func (m *MemoryStore) AppendContacts(ctx context.Context, cs ...Contact) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, c := range cs {
		if err := checkContact(i, c); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	// The new contacts go into the ID index first, at the positions they
	// will take; a conflict takes them out again, so a failed batch leaves
	// the store as it was.
	n0 := int(m.n)
	fresh := make([]int, 0, len(cs)) // positions in cs of the contacts to keep
	idAt := func(i int) string {
		if i < n0 {
			return m.storedID(i)
		}
		return cs[fresh[i-n0]].ID
	}
	for i := range cs {
		c := &cs[i]
		j := m.ids.Find(c.ID, idAt)
		if j < 0 {
			m.ids.Add(c.ID)
			fresh = append(fresh, i)
			continue
		}
		if j < n0 && !m.at(int32(j)).Equal(*c) {
			m.ids.Truncate(n0, idAt)
			return fmt.Errorf("campaign: contact %q: stored with other content: %w", c.ID, crm.ErrExists)
		}
		if j >= n0 && !cs[fresh[j-n0]].Equal(*c) {
			m.ids.Truncate(n0, idAt)
			return fmt.Errorf("campaign: contact %q: twice in the batch with other content: %w", c.ID, crm.ErrExists)
		}
	}
	for _, i := range fresh {
		c := &cs[i]
		n := m.n
		if int(n/chunkSize) == len(m.chunks) {
			m.chunks = append(m.chunks, make([]Contact, chunkSize))
		}
		*m.at(n) = *c
		m.n++
		m.customers.Add(c.CustomerID)
		ids := m.byCampaign[c.Campaign]
		if k := len(ids); k == 0 || m.at(ids[k-1]).ID < c.ID {
			m.byCampaign[c.Campaign] = append(ids, n)
		} else {
			pos, _ := slices.BinarySearchFunc(ids, c.ID, func(a int32, id string) int { return cmp.Compare(m.at(a).ID, id) })
			m.byCampaign[c.Campaign] = slices.Insert(ids, pos, n)
		}
	}
	return nil
}

// notFound is the store's not-found error, formatted only when read.
type notFound string

func (e notFound) Error() string {
	return fmt.Sprintf("campaign: contact %q: %v", string(e), crm.ErrNotFound)
}
func (e notFound) Unwrap() error { return crm.ErrNotFound }

// Contact implements Store.
func (m *MemoryStore) Contact(ctx context.Context, id string) (Contact, error) {
	if err := ctx.Err(); err != nil {
		return Contact{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	i := m.find(id)
	if i < 0 {
		return Contact{}, notFound(id)
	}
	return *m.at(i), nil
}

func (m *MemoryStore) stream(ctx context.Context, ids func() []int32) iter.Seq2[Contact, error] {
	return func(yield func(Contact, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(Contact{}, err)
			return
		}
		m.mu.RLock()
		list := ids()
		out := make([]Contact, len(list))
		for i, j := range list {
			out[i] = *m.at(j)
		}
		m.mu.RUnlock()
		for _, c := range out {
			if !yield(c, nil) {
				return
			}
		}
	}
}

// CustomerContacts implements Store: the customer's contacts are linked
// newest first, and sorted when read (a customer has few).
func (m *MemoryStore) CustomerContacts(ctx context.Context, customerID string) iter.Seq2[Contact, error] {
	return m.stream(ctx, func() []int32 {
		var ids []int32
		for i := range m.customers.Under(customerID) {
			if m.at(int32(i)).CustomerID == customerID {
				ids = append(ids, int32(i))
			}
		}
		slices.SortFunc(ids, func(a, b int32) int {
			x, y := m.at(a), m.at(b)
			return cmp.Or(x.At.Compare(y.At), cmp.Compare(x.ID, y.ID))
		})
		return ids
	})
}

// CampaignContacts implements Store.
func (m *MemoryStore) CampaignContacts(ctx context.Context, campaign string) iter.Seq2[Contact, error] {
	return m.stream(ctx, func() []int32 { return m.byCampaign[campaign] })
}

// AppendOutcomes implements Store.
func (m *MemoryStore) AppendOutcomes(ctx context.Context, os ...Outcome) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, o := range os {
		if err := o.Validate(); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	fresh := map[string]Outcome{}
	var order []string
	for _, o := range os {
		ci := m.find(o.Contact)
		if ci < 0 {
			return fmt.Errorf("campaign: outcome %q: contact %q: %w", o.ID, o.Contact, crm.ErrNotFound)
		}
		c := *m.at(ci)
		if c.Campaign != o.Campaign {
			return fmt.Errorf("campaign: outcome %q: contact %q is of campaign %q, not %q: %w", o.ID, o.Contact, c.Campaign, o.Campaign, crm.ErrInvalid)
		}
		old, ok := m.outcomes[o.ID]
		if !ok {
			old, ok = fresh[o.ID]
		}
		if ok {
			if !old.Equal(o) {
				return fmt.Errorf("campaign: outcome %q: stored with other content: %w", o.ID, crm.ErrExists)
			}
			continue
		}
		fresh[o.ID] = o
		order = append(order, o.ID)
	}
	for _, id := range order {
		o := fresh[id]
		m.outcomes[id] = o
		ids := m.byOutcome[o.Campaign]
		i, _ := slices.BinarySearch(ids, id)
		m.byOutcome[o.Campaign] = slices.Insert(ids, i, id)
	}
	return nil
}

// Outcomes implements Store.
func (m *MemoryStore) Outcomes(ctx context.Context, campaign string) iter.Seq2[Outcome, error] {
	return func(yield func(Outcome, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(Outcome{}, err)
			return
		}
		m.mu.RLock()
		ids := m.byOutcome[campaign]
		out := make([]Outcome, len(ids))
		for i, id := range ids {
			out[i] = m.outcomes[id]
		}
		m.mu.RUnlock()
		for _, o := range out {
			if !yield(o, nil) {
				return
			}
		}
	}
}
