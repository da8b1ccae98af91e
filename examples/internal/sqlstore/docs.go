package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/crmkit/crm"
)

// docTable is a table of versioned JSON documents — customers,
// segmentations, roadmaps: a key column, a version column and the record
// as JSON without its version.
type docTable[T any] struct {
	kind, table, keyCol string
	key                 func(*T) string
	version             func(*T) *int64
	// extra, when set, are more columns written with the document, and
	// values their values (customers' contact keys).
	extra  []string
	values func(*T) []any
	// history, when set, is the table that keeps every version written
	// (key, version, body), in the same transaction as the document.
	history string
}

// keep writes version of the document to the history table, if any.
func (d *docTable[T]) keep(ctx context.Context, tx *Tx, key string, version int64, body []byte) error {
	if d.history == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO `+d.history+` (`+d.keyCol+`, version, body) VALUES (?, ?, ?)`, key, version, body)
	return err
}

// extraCols is ", a, b" for the extra columns; extraSet ", a = ?, b = ?".
func (d *docTable[T]) extraCols() (cols, marks, set string) {
	for _, c := range d.extra {
		cols += ", " + c
		marks += ", ?"
		set += ", " + c + " = ?"
	}
	return cols, marks, set
}

func (d *docTable[T]) extraValues(v *T) []any {
	if d.values == nil {
		return nil
	}
	return d.values(v)
}

func (d *docTable[T]) encode(v T) ([]byte, error) {
	*d.version(&v) = 0
	return json.Marshal(v)
}

func (d *docTable[T]) decode(key string, version int64, body []byte) (T, error) {
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		return v, fmt.Errorf("sqlstore: %s %q: corrupt record: %w", d.kind, key, err)
	}
	*d.version(&v) = version
	return v, nil
}

// create stores v with version 1 and returns it as stored.
func (d *docTable[T]) create(ctx context.Context, db *DB, v T) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	body, err := d.encode(v)
	if err != nil {
		return zero, err
	}
	key := d.key(&v)
	cols, marks, _ := d.extraCols()
	args := append([]any{key, body}, d.extraValues(&v)...)
	err = inTx(ctx, db, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO `+d.table+` (`+d.keyCol+`, version, body`+cols+`) VALUES (?, 1, ?`+marks+`) ON CONFLICT DO NOTHING`, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("sqlstore: create %s %q: %w", d.kind, key, crm.ErrExists)
		}
		return d.keep(ctx, tx, key, 1, body)
	})
	if err != nil {
		return zero, err
	}
	return d.decode(key, 1, body)
}

func (d *docTable[T]) get(ctx context.Context, db querier, key string) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	var version int64
	var body []byte
	err := db.QueryRowContext(ctx, `SELECT version, body FROM `+d.table+` WHERE `+d.keyCol+` = ?`, key).Scan(&version, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return zero, fmt.Errorf("sqlstore: %s %q: %w", d.kind, key, crm.ErrNotFound)
	}
	if err != nil {
		return zero, err
	}
	return d.decode(key, version, body)
}

// update replaces the document if its stored version is v's, and returns
// it with the version incremented.
func (d *docTable[T]) update(ctx context.Context, db *DB, v T) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	have := *d.version(&v)
	body, err := d.encode(v)
	if err != nil {
		return zero, err
	}
	key := d.key(&v)
	_, _, set := d.extraCols()
	args := append(append([]any{body}, d.extraValues(&v)...), key, have)
	err = inTx(ctx, db, func(tx *Tx) error {
		if err := casVersion(ctx, tx, d.kind, d.table, d.keyCol, key, have,
			`UPDATE `+d.table+` SET version = version + 1, body = ?`+set+` WHERE `+d.keyCol+` = ? AND version = ?`, args...); err != nil {
			return err
		}
		return d.keep(ctx, tx, key, have+1, body)
	})
	if err != nil {
		return zero, err
	}
	return d.decode(key, have+1, body)
}

func (d *docTable[T]) delete(ctx context.Context, db *DB, key string, version int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return inTx(ctx, db, func(tx *Tx) error {
		if err := casVersion(ctx, tx, d.kind, d.table, d.keyCol, key, version,
			`DELETE FROM `+d.table+` WHERE `+d.keyCol+` = ? AND version = ?`, key, version); err != nil || d.history == "" {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM `+d.history+` WHERE `+d.keyCol+` = ?`, key)
		return err
	})
}

// list streams every document in key order.
func (d *docTable[T]) list(ctx context.Context, db *DB) iter.Seq2[T, error] {
	sel := `SELECT ` + d.keyCol + `, version, body FROM ` + d.table
	return paged(ctx, db, func(after *string) (string, []any) {
		if after == nil {
			return sel + ` ORDER BY ` + d.keyCol + ` LIMIT ` + limit, nil
		}
		return sel + ` WHERE ` + d.keyCol + ` > ? ORDER BY ` + d.keyCol + ` LIMIT ` + limit, []any{*after}
	}, func(rows *sql.Rows) (T, string, error) {
		var key string
		var version int64
		var body []byte
		if err := rows.Scan(&key, &version, &body); err != nil {
			var zero T
			return zero, "", err
		}
		v, err := d.decode(key, version, body)
		return v, key, err
	})
}

// onceTable is a table of append-only records: its columns in the order
// of storedOnce.args, the first keys of them its key, the last the body.
type onceTable struct {
	table string
	cols  []string
	keys  int
}

var (
	contactsTable  = &onceTable{table: "contacts", cols: []string{"id", "customer_id", "campaign", "at", "body"}, keys: 1}
	resultsTable   = &onceTable{table: "cycle_results", cols: []string{"as_of", "customer_id", "body"}, keys: 2}
	periodsTable   = &onceTable{table: "cycle_periods", cols: []string{"as_of", "body"}, keys: 1}
	responsesTable = &onceTable{table: "survey_responses", cols: []string{"id", "instrument", "body"}, keys: 1}
)

// storedOnce is one record of an append-only batch: its column values,
// whether a stored body is the same record, and what to call it in an
// error.
type storedOnce struct {
	what func() string // "contact \"spring/C42\"", for errors
	args []any
	same func(stored []byte) (bool, error)
}

// appendOnce writes a batch of append-only records in one transaction: a
// record already stored with equal content is skipped, one stored with
// other content is crm.ErrExists and nothing of the batch is written.
// Records go in multi-row INSERTs whose RETURNING lists the keys that were
// new; only the others are read back and compared.
func appendOnce(ctx context.Context, db *DB, t *onceTable, recs []storedOnce) error {
	row := "(?" + strings.Repeat(", ?", len(t.cols)-1) + ")"
	keyCols := strings.Join(t.cols[:t.keys], ", ")
	find := `SELECT body FROM ` + t.table + ` WHERE ` + strings.Join(t.cols[:t.keys], " = ? AND ") + ` = ?`
	return inTx(ctx, db, func(tx *Tx) error {
		inserted := map[string]bool{}
		args := make([]any, 0, insertRows*len(t.cols))
		key := make([]any, t.keys)
		ptrs := make([]any, t.keys)
		for i := range key {
			ptrs[i] = &key[i]
		}
		for lo := 0; lo < len(recs); lo += insertRows {
			part := recs[lo:min(lo+insertRows, len(recs))]
			args = args[:0]
			for _, r := range part {
				args = append(args, r.args...)
			}
			rows, err := tx.QueryContext(ctx, `INSERT INTO `+t.table+` (`+strings.Join(t.cols, ", ")+`) VALUES `+
				row+strings.Repeat(", "+row, len(part)-1)+` ON CONFLICT DO NOTHING RETURNING `+keyCols, args...)
			if err != nil {
				return err
			}
			clear(inserted)
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				inserted[keyString(key)] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if len(inserted) == len(part) {
				continue
			}
			for _, r := range part {
				k := keyString(r.args[:t.keys])
				if inserted[k] {
					delete(inserted, k) // a repeat later in the batch compares with it
					continue
				}
				var stored []byte
				if err := tx.QueryRowContext(ctx, find, r.args[:t.keys]...).Scan(&stored); err != nil {
					return err
				}
				same, err := r.same(stored)
				if err != nil {
					return fmt.Errorf("sqlstore: %s: corrupt record: %w", r.what(), err)
				}
				if !same {
					return fmt.Errorf("sqlstore: %s: stored with other content: %w", r.what(), crm.ErrExists)
				}
			}
		}
		return nil
	})
}

// keyString is a key's values as one string: int64 and string values, as
// both drivers read them back.
func keyString(vals []any) string {
	var b strings.Builder
	for _, v := range vals {
		switch v := v.(type) {
		case string:
			b.WriteString(v)
		case []byte:
			b.Write(v)
		case int64:
			b.WriteString(strconv.FormatInt(v, 10))
		default:
			fmt.Fprint(&b, v)
		}
		b.WriteByte(0)
	}
	return b.String()
}

// sameJSON decodes a stored body and compares it with v.
func sameJSON[T any](stored []byte, v T, equal func(a, b T) bool) (bool, error) {
	var old T
	if err := json.Unmarshal(stored, &old); err != nil {
		return false, err
	}
	return equal(old, v), nil
}
