package sqlitestore

import (
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
// version and open columns) so reads and the open-item sweep need no
// replay. Both change in one transaction.
type FeedbackStore struct{ s *Store }

// Feedback returns the feedback store.
func (s *Store) Feedback() *FeedbackStore { return &FeedbackStore{s} }

var _ feedback.Store = (*FeedbackStore)(nil)

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
		return it, fmt.Errorf("sqlitestore: feedback item %q: corrupt record: %w", id, err)
	}
	return it, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Create implements feedback.Store.
func (f *FeedbackStore) Create(ctx context.Context, e feedback.Event) (feedback.Item, error) {
	if err := ctx.Err(); err != nil {
		return feedback.Item{}, err
	}
	if e.Type != feedback.IntakeEvent || e.Intake == nil || e.Intake.ID == "" {
		return feedback.Item{}, fmt.Errorf("feedback: create needs an intake event with an item ID: %w", crm.ErrInvalid)
	}
	id := e.Intake.ID
	e.ItemID, e.Seq = id, 1
	var it feedback.Item
	it.Apply(e)
	it, body, err := roundTrip(it)
	if err != nil {
		return feedback.Item{}, err
	}
	event, err := json.Marshal(e)
	if err != nil {
		return feedback.Item{}, err
	}
	err = inTx(ctx, f.s.w, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM feedback_items WHERE id = ?`, id).Scan(&one)
		if err == nil {
			return fmt.Errorf("feedback: item %q: %w", id, crm.ErrExists)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if k := e.Intake.Key; k != "" {
			var other string
			err := tx.QueryRowContext(ctx, `SELECT id FROM feedback_items WHERE key = ?`, k).Scan(&other)
			if err == nil {
				return fmt.Errorf("feedback: idempotency key %q is item %q: %w", k, other, crm.ErrExists)
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO feedback_items (id, key, version, open, body) VALUES (?, ?, ?, ?, ?)`,
			id, nullable(e.Intake.Key), it.Version, it.State.Open(), body); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO feedback_events (item_id, seq, body) VALUES (?, 1, ?)`, id, event)
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
		return feedback.Item{}, fmt.Errorf("feedback: %s %q: %w", what, arg, crm.ErrNotFound)
	}
	if err != nil {
		return feedback.Item{}, err
	}
	return decodeItem(id, body)
}

// Item implements feedback.Store.
func (f *FeedbackStore) Item(ctx context.Context, id string) (feedback.Item, error) {
	if err := ctx.Err(); err != nil {
		return feedback.Item{}, err
	}
	return f.itemWhere(ctx, f.s.r, "item", "id", id)
}

// ItemByKey implements feedback.Store.
func (f *FeedbackStore) ItemByKey(ctx context.Context, key string) (feedback.Item, error) {
	if err := ctx.Err(); err != nil {
		return feedback.Item{}, err
	}
	return f.itemWhere(ctx, f.s.r, "idempotency key", "key", key)
}

// Append implements feedback.Store.
func (f *FeedbackStore) Append(ctx context.Context, id string, version int64, events ...feedback.Event) (feedback.Item, error) {
	if err := ctx.Err(); err != nil {
		return feedback.Item{}, err
	}
	for _, e := range events {
		if e.Type == feedback.IntakeEvent {
			return feedback.Item{}, fmt.Errorf("feedback: item %q: an intake event cannot be appended: %w", id, crm.ErrInvalid)
		}
	}
	var out feedback.Item
	err := inTx(ctx, f.s.w, func(tx *sql.Tx) error {
		it, err := f.itemWhere(ctx, tx, "item", "id", id)
		if err != nil {
			return err
		}
		if it.Version != version {
			return &crm.ConflictError{Package: "sqlitestore", Kind: "feedback item", ID: id, Have: version, Current: it.Version}
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO feedback_events (item_id, seq, body) VALUES (?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for i := range events {
			events[i].ItemID, events[i].Seq = id, int(version)+i+1
			it.Apply(events[i])
			b, err := json.Marshal(events[i])
			if err != nil {
				return err
			}
			if _, err := ins.ExecContext(ctx, id, events[i].Seq, b); err != nil {
				return err
			}
		}
		it, body, err := roundTrip(it)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE feedback_items SET version = ?, open = ?, body = ? WHERE id = ?`,
			it.Version, it.State.Open(), body, id); err != nil {
			return err
		}
		out = it
		return nil
	})
	if err != nil {
		return feedback.Item{}, err
	}
	return out, nil
}

// Events implements feedback.Store; an unknown item yields crm.ErrNotFound.
func (f *FeedbackStore) Events(ctx context.Context, id string) iter.Seq2[feedback.Event, error] {
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
			return e, 0, fmt.Errorf("sqlitestore: feedback item %q event %d: corrupt record: %w", id, seq, err)
		}
		return e, seq, nil
	})
	return func(yield func(feedback.Event, error) bool) {
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

// Items implements feedback.Store; items come in ID order.
func (f *FeedbackStore) Items(ctx context.Context, open bool) iter.Seq2[feedback.Item, error] {
	filter := ""
	if open {
		filter = ` AND open = 1`
	}
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

// AddSurvey implements feedback.Store.
func (f *FeedbackStore) AddSurvey(ctx context.Context, sv feedback.Survey) error {
	body, err := json.Marshal(sv)
	if err != nil {
		return err
	}
	return inTx(ctx, f.s.w, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO feedback_surveys (body) VALUES (?)`, body)
		return err
	})
}

// Surveys implements feedback.Store, in the order they were added.
func (f *FeedbackStore) Surveys(ctx context.Context) iter.Seq2[feedback.Survey, error] {
	return paged(ctx, f.s.r, func(after *int64) (string, []any) {
		if after == nil {
			return `SELECT n, body FROM feedback_surveys ORDER BY n LIMIT ` + limit, nil
		}
		return `SELECT n, body FROM feedback_surveys WHERE n > ? ORDER BY n LIMIT ` + limit, []any{*after}
	}, func(rows *sql.Rows) (feedback.Survey, int64, error) {
		var n int64
		var body []byte
		var sv feedback.Survey
		if err := rows.Scan(&n, &body); err != nil {
			return sv, 0, err
		}
		if err := json.Unmarshal(body, &sv); err != nil {
			return sv, 0, fmt.Errorf("sqlitestore: survey %d: corrupt record: %w", n, err)
		}
		return sv, n, nil
	})
}
