package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/lifecycle"
)

// LifecycleStore is lifecycle.Store on the database: one state row per
// customer with a version, and the transitions numbered by the version
// each created, so state and history change in one transaction.
type LifecycleStore struct{ s *Store }

// Lifecycle returns the lifecycle store.
func (s *Store) Lifecycle() *LifecycleStore { return &LifecycleStore{s} }

var (
	_ lifecycle.Store       = (*LifecycleStore)(nil)
	_ lifecycle.StateLister = (*LifecycleStore)(nil)
)

// States implements lifecycle.StateLister: every state by customer ID,
// paged by keyset.
func (l *LifecycleStore) States(ctx context.Context) iter.Seq2[lifecycle.State, error] {
	const sel = `SELECT customer_id, stage, since, version FROM lifecycle_states`
	return paged(ctx, l.s.r, func(after *string) (string, []any) {
		if after == nil {
			return sel + ` ORDER BY customer_id LIMIT ` + limit, nil
		}
		return sel + ` WHERE customer_id > ? ORDER BY customer_id LIMIT ` + limit, []any{*after}
	}, func(rows *sql.Rows) (lifecycle.State, string, error) {
		var st lifecycle.State
		var since int64
		if err := rows.Scan(&st.CustomerID, &st.Stage, &since, &st.Version); err != nil {
			return st, "", err
		}
		st.Since = fromNanos(since)
		return st, st.CustomerID, nil
	})
}

// State implements lifecycle.Store.
func (l *LifecycleStore) State(ctx context.Context, customerID string) (lifecycle.State, error) {
	if err := ctx.Err(); err != nil {
		return lifecycle.State{}, err
	}
	st := lifecycle.State{CustomerID: customerID}
	var since int64
	err := l.s.r.QueryRowContext(ctx, `SELECT stage, since, version FROM lifecycle_states WHERE customer_id = ?`, customerID).
		Scan(&st.Stage, &since, &st.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return lifecycle.State{}, fmt.Errorf("sqlstore: lifecycle state of %q: %w", customerID, crm.ErrNotFound)
	}
	if err != nil {
		return lifecycle.State{}, err
	}
	st.Since = fromNanos(since)
	return st, nil
}

// Move implements lifecycle.Store.
func (l *LifecycleStore) Move(ctx context.Context, s lifecycle.State, t lifecycle.Transition) (lifecycle.State, error) {
	if err := ctx.Err(); err != nil {
		return lifecycle.State{}, err
	}
	if err := errors.Join(checkTime("since", s.Since), checkTime("at", t.At)); err != nil {
		return lifecycle.State{}, fmt.Errorf("sqlstore: lifecycle move of %q: %w", s.CustomerID, err)
	}
	err := inTx(ctx, l.s.w, func(tx *Tx) error {
		var current int64
		err := tx.QueryRowContext(ctx, `SELECT version FROM lifecycle_states WHERE customer_id = ?`, s.CustomerID).Scan(&current)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if current != s.Version {
			return &crm.ConflictError{Package: "sqlstore", Kind: "lifecycle state", ID: s.CustomerID, Have: s.Version, Current: current}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO lifecycle_states (customer_id, stage, since, version) VALUES (?, ?, ?, ?)
			ON CONFLICT (customer_id) DO UPDATE SET stage = excluded.stage, since = excluded.since, version = excluded.version`,
			s.CustomerID, s.Stage, nanos(s.Since), s.Version+1); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO lifecycle_transitions (customer_id, seq, from_stage, to_stage, at, reason) VALUES (?, ?, ?, ?, ?, ?)`,
			t.CustomerID, s.Version+1, t.From, t.To, nanos(t.At), t.Reason)
		return err
	})
	if err != nil {
		return lifecycle.State{}, err
	}
	s.Version++
	return s, nil
}

type transitionKey struct {
	at       int64
	customer string
	seq      int64
}

func scanTransition(rows *sql.Rows) (lifecycle.Transition, transitionKey, error) {
	var t lifecycle.Transition
	var k transitionKey
	if err := rows.Scan(&t.CustomerID, &k.seq, &t.From, &t.To, &k.at, &t.Reason); err != nil {
		return t, k, err
	}
	t.At, k.customer = fromNanos(k.at), t.CustomerID
	return t, k, nil
}

const transitionCols = `SELECT customer_id, seq, from_stage, to_stage, at, reason FROM lifecycle_transitions`

// CustomerTransitions implements lifecycle.Store.
func (l *LifecycleStore) CustomerTransitions(ctx context.Context, customerID string) iter.Seq2[lifecycle.Transition, error] {
	return paged(ctx, l.s.r, func(after *transitionKey) (string, []any) {
		if after == nil {
			return transitionCols + ` WHERE customer_id = ? ORDER BY seq LIMIT ` + limit, []any{customerID}
		}
		return transitionCols + ` WHERE customer_id = ? AND seq > ? ORDER BY seq LIMIT ` + limit, []any{customerID, after.seq}
	}, scanTransition)
}

// TransitionsBetween implements lifecycle.Store.
func (l *LifecycleStore) TransitionsBetween(ctx context.Context, from, to time.Time) iter.Seq2[lifecycle.Transition, error] {
	lo, hi := clampNanos(from), clampNanos(to)
	return paged(ctx, l.s.r, func(after *transitionKey) (string, []any) {
		if after == nil {
			return transitionCols + ` WHERE at >= ? AND at < ? ORDER BY at, customer_id, seq LIMIT ` + limit, []any{lo, hi}
		}
		return transitionCols + ` WHERE (at, customer_id, seq) > (?, ?, ?) AND at < ? ORDER BY at, customer_id, seq LIMIT ` + limit,
			[]any{after.at, after.customer, after.seq, hi}
	}, scanTransition)
}
