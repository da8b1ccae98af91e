package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
)

var (
	_ crm.CustomerStore    = (*Store)(nil)
	_ crm.TransactionStore = (*Store)(nil)
	_ crm.TouchpointStore  = (*Store)(nil)
	_ crm.ContactIndex     = (*Store)(nil)
)

var customers = &docTable[crm.Customer]{kind: "customer", table: "customers", keyCol: "id",
	key: func(c *crm.Customer) string { return c.ID }, version: func(c *crm.Customer) *int64 { return &c.Version },
	extra:   []string{"email_key", "phone_key"},
	values:  func(c *crm.Customer) []any { return []any{crm.EmailKey(c.Email), crm.PhoneKey(c.Phone)} },
	history: "customer_versions"}

// CustomerVersions implements crm.CustomerHistory.
func (s *Store) CustomerVersions(ctx context.Context, id string) iter.Seq2[crm.Customer, error] {
	sel := `SELECT version, body FROM customer_versions WHERE id = ?`
	return paged(ctx, s.r, func(after *int64) (string, []any) {
		if after == nil {
			return sel + ` ORDER BY version LIMIT ` + limit, []any{id}
		}
		return sel + ` AND version > ? ORDER BY version LIMIT ` + limit, []any{id, *after}
	}, func(rows *sql.Rows) (crm.Customer, int64, error) {
		var version int64
		var body []byte
		if err := rows.Scan(&version, &body); err != nil {
			return crm.Customer{}, 0, err
		}
		c, err := customers.decode(id, version, body)
		return c, version, err
	})
}

// CustomersByEmail implements crm.ContactIndex.
func (s *Store) CustomersByEmail(ctx context.Context, email string) iter.Seq2[crm.Customer, error] {
	return s.customersBy(ctx, "email_key", crm.EmailKey(email))
}

// CustomersByPhone implements crm.ContactIndex.
func (s *Store) CustomersByPhone(ctx context.Context, phone string) iter.Seq2[crm.Customer, error] {
	return s.customersBy(ctx, "phone_key", crm.PhoneKey(phone))
}

func (s *Store) customersBy(ctx context.Context, col, key string) iter.Seq2[crm.Customer, error] {
	if key == "" {
		return func(yield func(crm.Customer, error) bool) {
			if err := ctx.Err(); err != nil {
				yield(crm.Customer{}, err)
			}
		}
	}
	sel := `SELECT id, version, body FROM customers WHERE ` + col + ` = ?`
	return paged(ctx, s.r, func(after *string) (string, []any) {
		if after == nil {
			return sel + ` ORDER BY id LIMIT ` + limit, []any{key}
		}
		return sel + ` AND id > ? ORDER BY id LIMIT ` + limit, []any{key, *after}
	}, func(rows *sql.Rows) (crm.Customer, string, error) {
		var id string
		var version int64
		var body []byte
		if err := rows.Scan(&id, &version, &body); err != nil {
			return crm.Customer{}, "", err
		}
		c, err := customers.decode(id, version, body)
		return c, id, err
	})
}

// CreateCustomer implements crm.CustomerStore.
func (s *Store) CreateCustomer(ctx context.Context, c crm.Customer) (crm.Customer, error) {
	if err := ctx.Err(); err != nil {
		return crm.Customer{}, err
	}
	c.Version = 1
	if err := validCustomer(c); err != nil {
		return crm.Customer{}, err
	}
	return customers.create(ctx, s.w, c)
}

func validCustomer(c crm.Customer) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := checkTime("created_at", c.CreatedAt); err != nil {
		return fmt.Errorf("sqlstore: customer %q: %w", c.ID, err)
	}
	return nil
}

// Customer implements crm.CustomerStore.
func (s *Store) Customer(ctx context.Context, id string) (crm.Customer, error) {
	return customers.get(ctx, s.r, id)
}

// UpdateCustomer implements crm.CustomerStore.
func (s *Store) UpdateCustomer(ctx context.Context, c crm.Customer) (crm.Customer, error) {
	if err := ctx.Err(); err != nil {
		return crm.Customer{}, err
	}
	if err := validCustomer(c); err != nil {
		return crm.Customer{}, err
	}
	return customers.update(ctx, s.w, c)
}

// DeleteCustomer implements crm.CustomerStore.
func (s *Store) DeleteCustomer(ctx context.Context, id string, version int64) error {
	return customers.delete(ctx, s.w, id, version)
}

// Customers implements crm.CustomerStore.
func (s *Store) Customers(ctx context.Context) iter.Seq2[crm.Customer, error] {
	return customers.list(ctx, s.r)
}

// casVersion runs a compare-and-swap statement guarded by "version = ?"
// and, when it changes nothing, tells a missing record (crm.ErrNotFound)
// from a stale version (*crm.ConflictError).
func casVersion(ctx context.Context, tx *Tx, kind, table, keyCol, key string, have int64, stmt string, args ...any) error {
	res, err := tx.ExecContext(ctx, stmt, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var current int64
	err = tx.QueryRowContext(ctx, `SELECT version FROM `+table+` WHERE `+keyCol+` = ?`, key).Scan(&current)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlstore: %s %q: %w", kind, key, crm.ErrNotFound)
	}
	if err != nil {
		return err
	}
	return &crm.ConflictError{Package: "sqlstore", Kind: kind, ID: key, Have: have, Current: current}
}

var limit = fmt.Sprint(pageSize)

// logTable describes the transactions or touchpoints table to the shared
// append and stream code.
type logTable[T any] struct {
	kind, table, columns string // columns after id, customer_id, at
	key                  func(*T) (id, customer string, at time.Time)
	validate             func(T) error
	equal                func(T, T) bool
	args                 func(*T) ([]any, error) // values of columns
	scan                 func(rows *sql.Rows) (T, error)
}

// cursor is a position in a log stream.
type cursor struct {
	customer string
	at       int64
	id       string
}

func (l *logTable[T]) selectCols() string {
	return `SELECT id, customer_id, at, ` + l.columns + ` FROM ` + l.table
}

func (l *logTable[T]) append(ctx context.Context, db *DB, batch []T) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var errs []error
	for i := range batch {
		err := l.validate(batch[i])
		if err == nil {
			_, _, at := l.key(&batch[i])
			err = checkTime("time", at)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("record %d: %w", i, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("sqlstore: append %ss: %w", l.kind, errors.Join(errs...))
	}
	// Records repeated inside the batch are resolved here; the rest go in
	// multi-row INSERTs whose RETURNING lists the IDs that were new. Any
	// other ID was stored before and must hold equal content.
	fresh := make([]int, 0, len(batch))
	inBatch := make(map[string]int, len(batch))
	for i := range batch {
		id, _, _ := l.key(&batch[i])
		if j, ok := inBatch[id]; ok {
			if !l.equal(batch[j], batch[i]) {
				errs = append(errs, fmt.Errorf("record %d: %s %q: record %d has the same ID and different content: %w", i, l.kind, id, j, crm.ErrExists))
			}
			continue
		}
		inBatch[id] = i
		fresh = append(fresh, i)
	}
	if len(errs) > 0 {
		return fmt.Errorf("sqlstore: append %ss: %w", l.kind, errors.Join(errs...))
	}
	nCols := 3 + len(strings.Split(l.columns, ","))
	row := "(?" + strings.Repeat(", ?", nCols-1) + ")"
	return inTx(ctx, db, func(tx *Tx) error {
		var errs []error // this try's: a try the server aborts keeps nothing
		args := make([]any, 0, insertRows*nCols)
		inserted := map[string]bool{}
		for lo := 0; lo < len(fresh); lo += insertRows {
			part := fresh[lo:min(lo+insertRows, len(fresh))]
			args = args[:0]
			for _, i := range part {
				id, cust, at := l.key(&batch[i])
				vals, err := l.args(&batch[i])
				if err != nil {
					return err
				}
				args = append(append(args, id, cust, nanos(at)), vals...)
			}
			q := `INSERT INTO ` + l.table + ` (id, customer_id, at, ` + l.columns + `) VALUES ` +
				row + strings.Repeat(", "+row, len(part)-1) + ` ON CONFLICT (id) DO NOTHING RETURNING id`
			rows, err := tx.QueryContext(ctx, q, args...)
			if err != nil {
				return err
			}
			clear(inserted)
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				inserted[id] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if len(inserted) == len(part) {
				continue
			}
			for _, i := range part {
				id, _, _ := l.key(&batch[i])
				if inserted[id] {
					continue
				}
				stored, err := l.get(ctx, tx, id)
				if err != nil {
					return err
				}
				if !l.equal(stored, batch[i]) {
					errs = append(errs, fmt.Errorf("record %d: %s %q: stored with different content: %w", i, l.kind, id, crm.ErrExists))
				}
			}
		}
		if len(errs) > 0 {
			return fmt.Errorf("sqlstore: append %ss: %w", l.kind, errors.Join(errs...))
		}
		return nil
	})
}

// insertRows is how many records one INSERT carries.
const insertRows = 200

// querier is what reads need of *DB and *Tx.
type querier interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

func (l *logTable[T]) get(ctx context.Context, db querier, id string) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	rows, err := db.QueryContext(ctx, l.selectCols()+` WHERE id = ?`, id)
	if err != nil {
		return zero, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return zero, err
		}
		return zero, fmt.Errorf("sqlstore: %s %q: %w", l.kind, id, crm.ErrNotFound)
	}
	return l.scan(rows)
}

func (l *logTable[T]) scanCursor(rows *sql.Rows) (T, cursor, error) {
	v, err := l.scan(rows)
	if err != nil {
		return v, cursor{}, err
	}
	id, cust, at := l.key(&v)
	return v, cursor{cust, nanos(at), id}, nil
}

func (l *logTable[T]) all(ctx context.Context, db *DB) iter.Seq2[T, error] {
	return paged(ctx, db, func(after *cursor) (string, []any) {
		if after == nil {
			return l.selectCols() + ` ORDER BY customer_id, at, id LIMIT ` + limit, nil
		}
		return l.selectCols() + ` WHERE (customer_id, at, id) > (?, ?, ?) ORDER BY customer_id, at, id LIMIT ` + limit,
			[]any{after.customer, after.at, after.id}
	}, l.scanCursor)
}

func (l *logTable[T]) ofCustomer(ctx context.Context, db *DB, customer string) iter.Seq2[T, error] {
	return paged(ctx, db, func(after *cursor) (string, []any) {
		if after == nil {
			return l.selectCols() + ` WHERE customer_id = ? ORDER BY at, id LIMIT ` + limit, []any{customer}
		}
		return l.selectCols() + ` WHERE customer_id = ? AND (at, id) > (?, ?) ORDER BY at, id LIMIT ` + limit,
			[]any{customer, after.at, after.id}
	}, l.scanCursor)
}

func (l *logTable[T]) between(ctx context.Context, db *DB, from, to time.Time) iter.Seq2[T, error] {
	lo, hi := clampNanos(from), clampNanos(to)
	return paged(ctx, db, func(after *cursor) (string, []any) {
		if after == nil {
			return l.selectCols() + ` WHERE at >= ? AND at < ? ORDER BY at, id LIMIT ` + limit, []any{lo, hi}
		}
		return l.selectCols() + ` WHERE (at, id) > (?, ?) AND at < ? ORDER BY at, id LIMIT ` + limit,
			[]any{after.at, after.id, hi}
	}, l.scanCursor)
}

// clampNanos is t in Unix nanoseconds, clamped to what int64 holds, so that
// a bound far in the past or future still selects correctly.
func clampNanos(t time.Time) int64 {
	switch {
	case t.Year() < 1678:
		return -1 << 63
	case t.Year() > 2261:
		return 1<<63 - 1
	}
	return t.UnixNano()
}

var transactions = &logTable[crm.Transaction]{
	kind: "transaction", table: "transactions", columns: "amount, currency, kind, channel, items",
	key:      func(t *crm.Transaction) (string, string, time.Time) { return t.ID, t.CustomerID, t.Time },
	validate: crm.Transaction.Validate,
	equal:    crm.Transaction.Equal,
	args: func(t *crm.Transaction) ([]any, error) {
		var items any
		if len(t.Items) > 0 {
			b, err := json.Marshal(t.Items)
			if err != nil {
				return nil, err
			}
			items = b
		}
		return []any{t.Amount.String(), t.Currency, string(t.Kind), string(t.Channel), items}, nil
	},
	scan: func(rows *sql.Rows) (crm.Transaction, error) {
		var t crm.Transaction
		var at int64
		var amount string
		var items []byte
		if err := rows.Scan(&t.ID, &t.CustomerID, &at, &amount, &t.Currency, &t.Kind, &t.Channel, &items); err != nil {
			return t, err
		}
		t.Time = fromNanos(at)
		var err error
		if t.Amount, err = decimal.NewFromString(amount); err != nil {
			return t, fmt.Errorf("sqlstore: transaction %q: corrupt amount %q", t.ID, amount)
		}
		if len(items) > 0 {
			if t.Items, err = decodeItems(items); err != nil {
				return t, fmt.Errorf("sqlstore: transaction %q: corrupt items: %w", t.ID, err)
			}
		}
		return t, nil
	},
}

var touchpoints = &logTable[crm.Touchpoint]{
	kind: "touchpoint", table: "touchpoints", columns: "channel, kind, experience, note",
	key:      func(t *crm.Touchpoint) (string, string, time.Time) { return t.ID, t.CustomerID, t.Time },
	validate: crm.Touchpoint.Validate,
	equal:    crm.Touchpoint.Equal,
	args: func(t *crm.Touchpoint) ([]any, error) {
		return []any{string(t.Channel), string(t.Kind), int(t.Experience), t.Note}, nil
	},
	scan: func(rows *sql.Rows) (crm.Touchpoint, error) {
		var t crm.Touchpoint
		var at int64
		if err := rows.Scan(&t.ID, &t.CustomerID, &at, &t.Channel, &t.Kind, &t.Experience, &t.Note); err != nil {
			return t, err
		}
		t.Time = fromNanos(at)
		return t, nil
	},
}

// AppendTransactions implements crm.TransactionStore.
func (s *Store) AppendTransactions(ctx context.Context, txs ...crm.Transaction) error {
	return transactions.append(ctx, s.w, txs)
}

// Transaction implements crm.TransactionStore.
func (s *Store) Transaction(ctx context.Context, id string) (crm.Transaction, error) {
	return transactions.get(ctx, s.r, id)
}

// Transactions implements crm.TransactionStore.
func (s *Store) Transactions(ctx context.Context) iter.Seq2[crm.Transaction, error] {
	return transactions.all(ctx, s.r)
}

// CustomerTransactions implements crm.TransactionStore.
func (s *Store) CustomerTransactions(ctx context.Context, customerID string) iter.Seq2[crm.Transaction, error] {
	return transactions.ofCustomer(ctx, s.r, customerID)
}

// TransactionsBetween implements crm.TransactionStore.
func (s *Store) TransactionsBetween(ctx context.Context, from, to time.Time) iter.Seq2[crm.Transaction, error] {
	return transactions.between(ctx, s.r, from, to)
}

// AppendTouchpoints implements crm.TouchpointStore.
func (s *Store) AppendTouchpoints(ctx context.Context, tps ...crm.Touchpoint) error {
	return touchpoints.append(ctx, s.w, tps)
}

// Touchpoint implements crm.TouchpointStore.
func (s *Store) Touchpoint(ctx context.Context, id string) (crm.Touchpoint, error) {
	return touchpoints.get(ctx, s.r, id)
}

// Touchpoints implements crm.TouchpointStore.
func (s *Store) Touchpoints(ctx context.Context) iter.Seq2[crm.Touchpoint, error] {
	return touchpoints.all(ctx, s.r)
}

// CustomerTouchpoints implements crm.TouchpointStore.
func (s *Store) CustomerTouchpoints(ctx context.Context, customerID string) iter.Seq2[crm.Touchpoint, error] {
	return touchpoints.ofCustomer(ctx, s.r, customerID)
}

// TouchpointsBetween implements crm.TouchpointStore.
func (s *Store) TouchpointsBetween(ctx context.Context, from, to time.Time) iter.Seq2[crm.Touchpoint, error] {
	return touchpoints.between(ctx, s.r, from, to)
}
