package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/feedback"
)

// FeedbackStore is feedback.Store on the database: the event log in
// feedback_events, and beside it each item as its events leave it (with
// version and open columns, so the open-item sweep reads an index); both
// change in one transaction. Survey answers are in feedback_answers, by ID.
type FeedbackStore struct{ s *Store }

// Feedback returns the feedback store.
func (s *Store) Feedback() *FeedbackStore { return &FeedbackStore{s} }

var (
	_ feedback.Store          = (*FeedbackStore)(nil)
	_ feedback.OpenItemLister = (*FeedbackStore)(nil)
)

// roundTrip returns what storing it and reading it back gives, so that
// callers see the same item whichever way they get it.
func roundTrip[T any](v T) (T, []byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return v, nil, err
	}
	var out T
	err = json.Unmarshal(b, &out)
	return out, b, err
}

func decodeItem(id string, body []byte) (feedback.Item, error) {
	var it feedback.Item
	if err := json.Unmarshal(body, &it); err != nil {
		return it, fmt.Errorf("sqlstore: feedback item %q: corrupt record: %w", id, err)
	}
	return it, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CreateItem implements feedback.ItemStore.
func (f *FeedbackStore) CreateItem(ctx context.Context, it feedback.Item, e feedback.Event) (feedback.Item, error) {
	if err := ctx.Err(); err != nil {
		return feedback.Item{}, err
	}
	it.Version = 1
	it, body, err := roundTrip(it)
	if err != nil {
		return feedback.Item{}, err
	}
	event, err := json.Marshal(e)
	if err != nil {
		return feedback.Item{}, err
	}
	err = inTx(ctx, f.s.w, func(tx *Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM feedback_items WHERE id = ?`, it.ID).Scan(&one)
		if err == nil {
			return fmt.Errorf("sqlstore: feedback item %q: %w", it.ID, crm.ErrExists)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if k := it.Key; k != "" {
			var other string
			err := tx.QueryRowContext(ctx, `SELECT id FROM feedback_items WHERE key = ?`, k).Scan(&other)
			if err == nil {
				return fmt.Errorf("sqlstore: feedback idempotency key %q is item %q: %w", k, other, crm.ErrExists)
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO feedback_items (id, key, version, open, body) VALUES (?, ?, ?, ?, ?)`,
			it.ID, nullable(it.Key), it.Version, it.State.Open(), body); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO feedback_events (item_id, seq, body) VALUES (?, ?, ?)`, it.ID, e.Seq, event)
		return err
	})
	if err != nil {
		return feedback.Item{}, err
	}
	return it, nil
}

func (f *FeedbackStore) itemWhere(ctx context.Context, db querier, what, where string, arg string) (feedback.Item, error) {
	var id string
	var body []byte
	err := db.QueryRowContext(ctx, `SELECT id, body FROM feedback_items WHERE `+where+` = ?`, arg).Scan(&id, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return feedback.Item{}, fmt.Errorf("sqlstore: feedback %s %q: %w", what, arg, crm.ErrNotFound)
	}
	if err != nil {
		return feedback.Item{}, err
	}
	return decodeItem(id, body)
}

// Item implements feedback.ItemStore.
func (f *FeedbackStore) Item(ctx context.Context, id string) (feedback.Item, error) {
	if err := ctx.Err(); err != nil {
		return feedback.Item{}, err
	}
	return f.itemWhere(ctx, f.s.r, "item", "id", id)
}

// ItemByKey implements feedback.ItemStore.
func (f *FeedbackStore) ItemByKey(ctx context.Context, key string) (feedback.Item, error) {
	if err := ctx.Err(); err != nil {
		return feedback.Item{}, err
	}
	return f.itemWhere(ctx, f.s.r, "idempotency key", "key", key)
}

// UpdateItem implements feedback.ItemStore.
func (f *FeedbackStore) UpdateItem(ctx context.Context, it feedback.Item, events ...feedback.Event) (feedback.Item, error) {
	if err := ctx.Err(); err != nil {
		return feedback.Item{}, err
	}
	have := it.Version
	it.Version++
	it, body, err := roundTrip(it)
	if err != nil {
		return feedback.Item{}, err
	}
	err = inTx(ctx, f.s.w, func(tx *Tx) error {
		var current int64
		err := tx.QueryRowContext(ctx, `SELECT version FROM feedback_items WHERE id = ?`, it.ID).Scan(&current)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sqlstore: feedback item %q: %w", it.ID, crm.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if current != have {
			return &crm.ConflictError{Package: "sqlstore", Kind: "feedback item", ID: it.ID, Have: have, Current: current}
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO feedback_events (item_id, seq, body) VALUES (?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, e := range events {
			b, err := json.Marshal(e)
			if err != nil {
				return err
			}
			if _, err := ins.ExecContext(ctx, it.ID, e.Seq, b); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE feedback_items SET version = ?, open = ?, body = ? WHERE id = ?`,
			it.Version, it.State.Open(), body, it.ID)
		return err
	})
	if err != nil {
		return feedback.Item{}, err
	}
	return it, nil
}

// ItemEvents implements feedback.ItemStore; an unknown item yields
// crm.ErrNotFound.
func (f *FeedbackStore) ItemEvents(ctx context.Context, id string) iter.Seq2[feedback.Event, error] {
	events := paged(ctx, f.s.r, func(after *int) (string, []any) {
		if after == nil {
			return `SELECT seq, body FROM feedback_events WHERE item_id = ? ORDER BY seq LIMIT ` + limit, []any{id}
		}
		return `SELECT seq, body FROM feedback_events WHERE item_id = ? AND seq > ? ORDER BY seq LIMIT ` + limit, []any{id, *after}
	}, func(rows *sql.Rows) (feedback.Event, int, error) {
		var seq int
		var body []byte
		var e feedback.Event
		if err := rows.Scan(&seq, &body); err != nil {
			return e, 0, err
		}
		if err := json.Unmarshal(body, &e); err != nil {
			return e, 0, fmt.Errorf("sqlstore: feedback item %q event %d: corrupt record: %w", id, seq, err)
		}
		return e, seq, nil
	})
	return func(yield func(feedback.Event, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(feedback.Event{}, err)
			return
		}
		n := 0
		for e, err := range events {
			n++
			if !yield(e, err) || err != nil {
				return
			}
		}
		if n == 0 { // every item has its intake event: tell why there are none
			if _, err := f.Item(ctx, id); err != nil {
				yield(feedback.Event{}, err)
			}
		}
	}
}

// Items implements feedback.ItemStore: items in ID order.
func (f *FeedbackStore) Items(ctx context.Context) iter.Seq2[feedback.Item, error] {
	return f.items(ctx, "")
}

// OpenItems implements feedback.OpenItemLister from the open column.
func (f *FeedbackStore) OpenItems(ctx context.Context) iter.Seq2[feedback.Item, error] {
	return f.items(ctx, ` AND open`)
}

func (f *FeedbackStore) items(ctx context.Context, filter string) iter.Seq2[feedback.Item, error] {
	return paged(ctx, f.s.r, func(after *string) (string, []any) {
		if after == nil {
			return `SELECT id, body FROM feedback_items WHERE 1 = 1` + filter + ` ORDER BY id LIMIT ` + limit, nil
		}
		return `SELECT id, body FROM feedback_items WHERE id > ?` + filter + ` ORDER BY id LIMIT ` + limit, []any{*after}
	}, func(rows *sql.Rows) (feedback.Item, string, error) {
		var id string
		var body []byte
		if err := rows.Scan(&id, &body); err != nil {
			return feedback.Item{}, "", err
		}
		it, err := decodeItem(id, body)
		return it, id, err
	})
}

// AppendSurveys implements feedback.SurveyStore.
func (f *FeedbackStore) AppendSurveys(ctx context.Context, ss ...feedback.Survey) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return inTx(ctx, f.s.w, func(tx *Tx) error {
		for _, sv := range ss {
			sv, body, err := roundTrip(sv)
			if err != nil {
				return err
			}
			var old []byte
			err = tx.QueryRowContext(ctx, `SELECT body FROM feedback_answers WHERE id = ?`, sv.ID).Scan(&old)
			switch {
			case err == nil:
				if !bytes.Equal(old, body) {
					return fmt.Errorf("sqlstore: survey answer %q: %w", sv.ID, crm.ErrExists)
				}
				continue
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO feedback_answers (id, body) VALUES (?, ?)`, sv.ID, body); err != nil {
				return err
			}
		}
		return nil
	})
}

// Survey implements feedback.SurveyStore.
func (f *FeedbackStore) Survey(ctx context.Context, id string) (feedback.Survey, error) {
	if err := ctx.Err(); err != nil {
		return feedback.Survey{}, err
	}
	var body []byte
	err := f.s.r.QueryRowContext(ctx, `SELECT body FROM feedback_answers WHERE id = ?`, id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return feedback.Survey{}, fmt.Errorf("sqlstore: survey answer %q: %w", id, crm.ErrNotFound)
	}
	if err != nil {
		return feedback.Survey{}, err
	}
	return decodeSurvey(id, body)
}

func decodeSurvey(id string, body []byte) (feedback.Survey, error) {
	var sv feedback.Survey
	if err := json.Unmarshal(body, &sv); err != nil {
		return sv, fmt.Errorf("sqlstore: survey answer %q: corrupt record: %w", id, err)
	}
	return sv, nil
}

// Surveys implements feedback.SurveyStore: answers in ID order.
func (f *FeedbackStore) Surveys(ctx context.Context) iter.Seq2[feedback.Survey, error] {
	return paged(ctx, f.s.r, func(after *string) (string, []any) {
		if after == nil {
			return `SELECT id, body FROM feedback_answers ORDER BY id LIMIT ` + limit, nil
		}
		return `SELECT id, body FROM feedback_answers WHERE id > ? ORDER BY id LIMIT ` + limit, []any{*after}
	}, func(rows *sql.Rows) (feedback.Survey, string, error) {
		var id string
		var body []byte
		if err := rows.Scan(&id, &body); err != nil {
			return feedback.Survey{}, "", err
		}
		sv, err := decodeSurvey(id, body)
		return sv, id, err
	})
}
