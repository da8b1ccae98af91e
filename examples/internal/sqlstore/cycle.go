package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/cycle"
)

// CycleStore is cycle.Store on the database: results keyed by run and
// customer, periods by run, each as its JSON.
type CycleStore struct{ s *Store }

// Cycle returns the store of the loop's results and periods.
func (s *Store) Cycle() *CycleStore { return &CycleStore{s} }

var _ cycle.Store = (*CycleStore)(nil)

// AppendResults implements cycle.ResultStore.
func (c *CycleStore) AppendResults(ctx context.Context, rs ...cycle.Result) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	bodies := make([][]byte, len(rs))
	for i, r := range rs {
		if r.CustomerID == "" || r.AsOf.IsZero() {
			return fmt.Errorf("sqlstore: result %d: needs a customer and a time: %w", i, crm.ErrInvalid)
		}
		if err := checkTime("as_of", r.AsOf); err != nil {
			return fmt.Errorf("sqlstore: result %d: %w", i, err)
		}
		var err error
		if bodies[i], err = json.Marshal(r); err != nil {
			return fmt.Errorf("sqlstore: result %d: %w: %w", i, err, crm.ErrInvalid)
		}
	}
	recs := make([]storedOnce, len(rs))
	for i, r := range rs {
		recs[i] = storedOnce{what: func() string { return fmt.Sprintf("result of %q at %s", r.CustomerID, r.AsOf.Format(time.RFC3339Nano)) },
			args: []any{nanos(r.AsOf), r.CustomerID, bodies[i]},
			same: func(b []byte) (bool, error) { return sameJSON(b, r, cycle.Result.Equal) }}
	}
	return appendOnce(ctx, c.s.w, resultsTable, recs)
}

func decodeResult(id string, body []byte) (cycle.Result, error) {
	var r cycle.Result
	if err := json.Unmarshal(body, &r); err != nil {
		return r, fmt.Errorf("sqlstore: result of %q: corrupt record: %w", id, err)
	}
	return r, nil
}

// Result implements cycle.ResultStore.
func (c *CycleStore) Result(ctx context.Context, customerID string, asOf time.Time) (cycle.Result, error) {
	if err := ctx.Err(); err != nil {
		return cycle.Result{}, err
	}
	var body []byte
	err := c.s.r.QueryRowContext(ctx, `SELECT body FROM cycle_results WHERE as_of = ? AND customer_id = ?`, clampNanos(asOf), customerID).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return cycle.Result{}, fmt.Errorf("sqlstore: result of %q at %s: %w", customerID, asOf.Format(time.RFC3339Nano), crm.ErrNotFound)
	}
	if err != nil {
		return cycle.Result{}, err
	}
	return decodeResult(customerID, body)
}

// ResultsAt implements cycle.ResultStore.
func (c *CycleStore) ResultsAt(ctx context.Context, asOf time.Time) iter.Seq2[cycle.Result, error] {
	at := clampNanos(asOf)
	return paged(ctx, c.s.r, func(after *string) (string, []any) {
		if after == nil {
			return `SELECT customer_id, body FROM cycle_results WHERE as_of = ? ORDER BY customer_id LIMIT ` + limit, []any{at}
		}
		return `SELECT customer_id, body FROM cycle_results WHERE as_of = ? AND customer_id > ? ORDER BY customer_id LIMIT ` + limit, []any{at, *after}
	}, func(rows *sql.Rows) (cycle.Result, string, error) {
		var id string
		var body []byte
		if err := rows.Scan(&id, &body); err != nil {
			return cycle.Result{}, "", err
		}
		r, err := decodeResult(id, body)
		return r, id, err
	})
}

// CustomerResults implements cycle.ResultStore.
func (c *CycleStore) CustomerResults(ctx context.Context, customerID string) iter.Seq2[cycle.Result, error] {
	return paged(ctx, c.s.r, func(after *int64) (string, []any) {
		if after == nil {
			return `SELECT as_of, body FROM cycle_results WHERE customer_id = ? ORDER BY as_of LIMIT ` + limit, []any{customerID}
		}
		return `SELECT as_of, body FROM cycle_results WHERE customer_id = ? AND as_of > ? ORDER BY as_of LIMIT ` + limit, []any{customerID, *after}
	}, func(rows *sql.Rows) (cycle.Result, int64, error) {
		var at int64
		var body []byte
		if err := rows.Scan(&at, &body); err != nil {
			return cycle.Result{}, 0, err
		}
		r, err := decodeResult(customerID, body)
		return r, at, err
	})
}

// AppendPeriods implements cycle.PeriodStore.
func (c *CycleStore) AppendPeriods(ctx context.Context, ps ...cycle.Period) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	bodies := make([][]byte, len(ps))
	for i := range ps {
		if err := ps[i].Validate(); err != nil {
			return err
		}
		if err := errors.Join(checkTime("as_of", ps[i].AsOf), checkTime("from", ps[i].From)); err != nil {
			return fmt.Errorf("sqlstore: period %d: %w", i, err)
		}
		var err error
		if bodies[i], err = json.Marshal(ps[i]); err != nil {
			return fmt.Errorf("sqlstore: period %d: %w: %w", i, err, crm.ErrInvalid)
		}
	}
	recs := make([]storedOnce, len(ps))
	for i, p := range ps {
		recs[i] = storedOnce{what: func() string { return "period at " + p.AsOf.Format(time.RFC3339Nano) },
			args: []any{nanos(p.AsOf), bodies[i]},
			same: func(b []byte) (bool, error) { return sameJSON(b, p, cycle.Period.Equal) }}
	}
	return appendOnce(ctx, c.s.w, periodsTable, recs)
}

func decodePeriod(body []byte) (cycle.Period, error) {
	var p cycle.Period
	if err := json.Unmarshal(body, &p); err != nil {
		return p, fmt.Errorf("sqlstore: period: corrupt record: %w", err)
	}
	return p, nil
}

// Period implements cycle.PeriodStore.
func (c *CycleStore) Period(ctx context.Context, asOf time.Time) (cycle.Period, error) {
	if err := ctx.Err(); err != nil {
		return cycle.Period{}, err
	}
	var body []byte
	err := c.s.r.QueryRowContext(ctx, `SELECT body FROM cycle_periods WHERE as_of = ?`, clampNanos(asOf)).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return cycle.Period{}, fmt.Errorf("sqlstore: period at %s: %w", asOf.Format(time.RFC3339Nano), crm.ErrNotFound)
	}
	if err != nil {
		return cycle.Period{}, err
	}
	return decodePeriod(body)
}

// Periods implements cycle.PeriodStore.
func (c *CycleStore) Periods(ctx context.Context) iter.Seq2[cycle.Period, error] {
	return paged(ctx, c.s.r, func(after *int64) (string, []any) {
		if after == nil {
			return `SELECT as_of, body FROM cycle_periods ORDER BY as_of LIMIT ` + limit, nil
		}
		return `SELECT as_of, body FROM cycle_periods WHERE as_of > ? ORDER BY as_of LIMIT ` + limit, []any{*after}
	}, func(rows *sql.Rows) (cycle.Period, int64, error) {
		var at int64
		var body []byte
		if err := rows.Scan(&at, &body); err != nil {
			return cycle.Period{}, 0, err
		}
		p, err := decodePeriod(body)
		return p, at, err
	})
}
