package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"strings"
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
	_ lifecycle.BatchMover  = (*LifecycleStore)(nil)
)

// MoveAll implements lifecycle.BatchMover in one transaction and a few
// statements per insertRows moves: the batch's stored versions read with
// IN lists, checked in Go as Move would check them one by one, then the
// states written with multi-row upserts and the transitions with
// multi-row inserts.
func (l *LifecycleStore) MoveAll(ctx context.Context, moves []lifecycle.Move) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, m := range moves {
		if err := errors.Join(checkTime("since", m.State.Since), checkTime("at", m.Transition.At)); err != nil {
			return fmt.Errorf("sqlstore: lifecycle move of %q: %w", m.State.CustomerID, err)
		}
	}
	if len(moves) == 0 {
		return nil
	}
	return inTx(ctx, l.s.w, func(tx *Tx) error {
		// The stored versions of the batch's customers.
		version := map[string]int64{}
		var ids []string
		for _, m := range moves {
			if _, ok := version[m.State.CustomerID]; !ok {
				version[m.State.CustomerID] = 0
				ids = append(ids, m.State.CustomerID)
			}
		}
		for lo := 0; lo < len(ids); lo += insertRows {
			part := ids[lo:min(lo+insertRows, len(ids))]
			args := make([]any, len(part))
			for i, id := range part {
				args[i] = id
			}
			rows, err := tx.QueryContext(ctx, `SELECT customer_id, version FROM lifecycle_states WHERE customer_id IN (?`+
				strings.Repeat(", ?", len(part)-1)+`)`, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id string
				var v int64
				if err := rows.Scan(&id, &v); err != nil {
					rows.Close()
					return err
				}
				version[id] = v
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		// Each move checked as Move would, in order; each customer's last
		// state is the one stored.
		final := map[string]lifecycle.State{}
		for _, m := range moves {
			id := m.State.CustomerID
			if current := version[id]; current != m.State.Version {
				return &crm.ConflictError{Package: "sqlstore", Kind: "lifecycle state", ID: id, Have: m.State.Version, Current: current}
			}
			version[id]++
			st := m.State
			st.Version++
			final[id] = st
		}
		const stateRow, transitionRow = "(?, ?, ?, ?)", "(?, ?, ?, ?, ?, ?)"
		for lo := 0; lo < len(ids); lo += insertRows {
			part := ids[lo:min(lo+insertRows, len(ids))]
			args := make([]any, 0, 4*len(part))
			for _, id := range part {
				st := final[id]
				args = append(args, id, st.Stage, nanos(st.Since), st.Version)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO lifecycle_states (customer_id, stage, since, version) VALUES `+
				stateRow+strings.Repeat(", "+stateRow, len(part)-1)+`
				ON CONFLICT (customer_id) DO UPDATE SET stage = excluded.stage, since = excluded.since, version = excluded.version`, args...); err != nil {
				return err
			}
		}
		for lo := 0; lo < len(moves); lo += insertRows {
			part := moves[lo:min(lo+insertRows, len(moves))]
			args := make([]any, 0, 6*len(part))
			for _, m := range part {
				t := m.Transition
				args = append(args, t.CustomerID, m.State.Version+1, t.From, t.To, nanos(t.At), t.Reason)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO lifecycle_transitions (customer_id, seq, from_stage, to_stage, at, reason) VALUES `+
				transitionRow+strings.Repeat(", "+transitionRow, len(part)-1), args...); err != nil {
				return err
			}
		}
		return nil
	})
}

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
