package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/campaign"
)

// ContactStore is campaign.Store on the database: the contact log and
// its outcomes, each as JSON with its keys in columns.
type ContactStore struct{ s *Store }

// Contacts returns the contact log.
func (s *Store) Contacts() *ContactStore { return &ContactStore{s} }

// CampaignStore is campaign.CampaignStore on the database.
type CampaignStore struct{ s *Store }

// Campaigns returns the campaign definitions' store.
func (s *Store) Campaigns() *CampaignStore { return &CampaignStore{s} }

var (
	_ campaign.Store         = (*ContactStore)(nil)
	_ campaign.CampaignStore = (*CampaignStore)(nil)
)

// AppendContacts implements campaign.Store.
func (c *ContactStore) AppendContacts(ctx context.Context, cs ...campaign.Contact) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	bodies := make([][]byte, len(cs))
	for i, k := range cs {
		if k.ID == "" || k.CustomerID == "" || k.Campaign == "" || k.At.IsZero() || (!k.Sent && k.Reason == "") {
			return fmt.Errorf("sqlstore: contact %d %q: needs an ID, a customer, a campaign, a time, and a reason when not sent: %w", i, k.ID, crm.ErrInvalid)
		}
		if err := checkTime("at", k.At); err != nil {
			return fmt.Errorf("sqlstore: contact %q: %w", k.ID, err)
		}
		var err error
		if bodies[i], err = json.Marshal(k); err != nil {
			return fmt.Errorf("sqlstore: contact %q: %w: %w", k.ID, err, crm.ErrInvalid)
		}
	}
	recs := make([]storedOnce, len(cs))
	for i, k := range cs {
		recs[i] = storedOnce{what: func() string { return fmt.Sprintf("contact %q", k.ID) },
			args: []any{k.ID, k.CustomerID, k.Campaign, nanos(k.At), bodies[i]},
			same: func(b []byte) (bool, error) { return sameJSON(b, k, campaign.Contact.Equal) }}
	}
	return appendOnce(ctx, c.s.w, contactsTable, recs)
}

func decodeContact(id string, body []byte) (campaign.Contact, error) {
	var k campaign.Contact
	if err := json.Unmarshal(body, &k); err != nil {
		return k, fmt.Errorf("sqlstore: contact %q: corrupt record: %w", id, err)
	}
	return k, nil
}

// Contact implements campaign.Store.
func (c *ContactStore) Contact(ctx context.Context, id string) (campaign.Contact, error) {
	if err := ctx.Err(); err != nil {
		return campaign.Contact{}, err
	}
	var body []byte
	err := c.s.r.QueryRowContext(ctx, `SELECT body FROM contacts WHERE id = ?`, id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return campaign.Contact{}, fmt.Errorf("sqlstore: contact %q: %w", id, crm.ErrNotFound)
	}
	if err != nil {
		return campaign.Contact{}, err
	}
	return decodeContact(id, body)
}

type contactKey struct {
	at int64
	id string
}

// CustomerContacts implements campaign.Store.
func (c *ContactStore) CustomerContacts(ctx context.Context, customerID string) iter.Seq2[campaign.Contact, error] {
	return paged(ctx, c.s.r, func(after *contactKey) (string, []any) {
		if after == nil {
			return `SELECT id, at, body FROM contacts WHERE customer_id = ? ORDER BY at, id LIMIT ` + limit, []any{customerID}
		}
		return `SELECT id, at, body FROM contacts WHERE customer_id = ? AND (at, id) > (?, ?) ORDER BY at, id LIMIT ` + limit,
			[]any{customerID, after.at, after.id}
	}, func(rows *sql.Rows) (campaign.Contact, contactKey, error) {
		var k contactKey
		var body []byte
		if err := rows.Scan(&k.id, &k.at, &body); err != nil {
			return campaign.Contact{}, k, err
		}
		v, err := decodeContact(k.id, body)
		return v, k, err
	})
}

// CampaignContacts implements campaign.Store.
func (c *ContactStore) CampaignContacts(ctx context.Context, name string) iter.Seq2[campaign.Contact, error] {
	return paged(ctx, c.s.r, func(after *string) (string, []any) {
		if after == nil {
			return `SELECT id, body FROM contacts WHERE campaign = ? ORDER BY id LIMIT ` + limit, []any{name}
		}
		return `SELECT id, body FROM contacts WHERE campaign = ? AND id > ? ORDER BY id LIMIT ` + limit, []any{name, *after}
	}, func(rows *sql.Rows) (campaign.Contact, string, error) {
		var id string
		var body []byte
		if err := rows.Scan(&id, &body); err != nil {
			return campaign.Contact{}, "", err
		}
		v, err := decodeContact(id, body)
		return v, id, err
	})
}

// AppendOutcomes implements campaign.Store.
func (c *ContactStore) AppendOutcomes(ctx context.Context, os ...campaign.Outcome) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	bodies := make([][]byte, len(os))
	for i, o := range os {
		if err := o.Validate(); err != nil {
			return err
		}
		var err error
		if bodies[i], err = json.Marshal(o); err != nil {
			return fmt.Errorf("sqlstore: outcome %q: %w: %w", o.ID, err, crm.ErrInvalid)
		}
	}
	return inTx(ctx, c.s.w, func(tx *Tx) error {
		for i, o := range os {
			var camp string
			err := tx.QueryRowContext(ctx, `SELECT campaign FROM contacts WHERE id = ?`, o.Contact).Scan(&camp)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("sqlstore: outcome %q: contact %q: %w", o.ID, o.Contact, crm.ErrNotFound)
			}
			if err != nil {
				return err
			}
			if camp != o.Campaign {
				return fmt.Errorf("sqlstore: outcome %q: contact %q is of campaign %q, not %q: %w", o.ID, o.Contact, camp, o.Campaign, crm.ErrInvalid)
			}
			var stored []byte
			err = tx.QueryRowContext(ctx, `SELECT body FROM contact_outcomes WHERE id = ?`, o.ID).Scan(&stored)
			switch {
			case err == nil:
				var old campaign.Outcome
				if err := json.Unmarshal(stored, &old); err != nil {
					return fmt.Errorf("sqlstore: outcome %q: corrupt record: %w", o.ID, err)
				}
				if !old.Equal(o) {
					return fmt.Errorf("sqlstore: outcome %q: stored with other content: %w", o.ID, crm.ErrExists)
				}
				continue
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO contact_outcomes (id, campaign, contact, body) VALUES (?, ?, ?, ?)`, o.ID, o.Campaign, o.Contact, bodies[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// Outcomes implements campaign.Store.
func (c *ContactStore) Outcomes(ctx context.Context, name string) iter.Seq2[campaign.Outcome, error] {
	return paged(ctx, c.s.r, func(after *string) (string, []any) {
		if after == nil {
			return `SELECT id, body FROM contact_outcomes WHERE campaign = ? ORDER BY id LIMIT ` + limit, []any{name}
		}
		return `SELECT id, body FROM contact_outcomes WHERE campaign = ? AND id > ? ORDER BY id LIMIT ` + limit, []any{name, *after}
	}, func(rows *sql.Rows) (campaign.Outcome, string, error) {
		var id string
		var body []byte
		if err := rows.Scan(&id, &body); err != nil {
			return campaign.Outcome{}, "", err
		}
		var o campaign.Outcome
		if err := json.Unmarshal(body, &o); err != nil {
			return o, id, fmt.Errorf("sqlstore: outcome %q: corrupt record: %w", id, err)
		}
		return o, id, nil
	})
}

var campaignDocs = &docTable[campaign.Campaign]{kind: "campaign", table: "campaigns", keyCol: "id",
	key: func(c *campaign.Campaign) string { return c.ID }, version: func(c *campaign.Campaign) *int64 { return &c.Version }}

// CreateCampaign implements campaign.CampaignStore.
func (c *CampaignStore) CreateCampaign(ctx context.Context, v campaign.Campaign) (campaign.Campaign, error) {
	return campaignDocs.create(ctx, c.s.w, v)
}

// Campaign implements campaign.CampaignStore.
func (c *CampaignStore) Campaign(ctx context.Context, id string) (campaign.Campaign, error) {
	return campaignDocs.get(ctx, c.s.r, id)
}

// UpdateCampaign implements campaign.CampaignStore.
func (c *CampaignStore) UpdateCampaign(ctx context.Context, v campaign.Campaign) (campaign.Campaign, error) {
	return campaignDocs.update(ctx, c.s.w, v)
}

// DeleteCampaign implements campaign.CampaignStore.
func (c *CampaignStore) DeleteCampaign(ctx context.Context, id string, version int64) error {
	return campaignDocs.delete(ctx, c.s.w, id, version)
}

// Campaigns implements campaign.CampaignStore.
func (c *CampaignStore) Campaigns(ctx context.Context) iter.Seq2[campaign.Campaign, error] {
	return campaignDocs.list(ctx, c.s.r)
}
