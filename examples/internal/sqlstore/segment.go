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

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/segment"
)

// SegmentStore is segment.Store on the database: definitions with a
// version column, snapshots as a header row plus one row per customer and
// segment (so a host can ask SQL who was in "Champions" last month).
type SegmentStore struct{ s *Store }

// Segments returns the segment store.
func (s *Store) Segments() *SegmentStore { return &SegmentStore{s} }

var _ segment.Store = (*SegmentStore)(nil)

var segmentations = &docTable[segment.Segmentation]{kind: "segmentation", table: "segmentations", keyCol: "name",
	key:     func(d *segment.Segmentation) string { return d.Name },
	version: func(d *segment.Segmentation) *int64 { return &d.Version }}

// CreateSegmentation implements segment.SegmentationStore.
func (g *SegmentStore) CreateSegmentation(ctx context.Context, def segment.Segmentation) (segment.Segmentation, error) {
	if err := ctx.Err(); err != nil {
		return segment.Segmentation{}, err
	}
	if err := def.Validate(); err != nil {
		return segment.Segmentation{}, err
	}
	return segmentations.create(ctx, g.s.w, def)
}

// Segmentation implements segment.SegmentationStore.
func (g *SegmentStore) Segmentation(ctx context.Context, name string) (segment.Segmentation, error) {
	return segmentations.get(ctx, g.s.r, name)
}

// UpdateSegmentation implements segment.SegmentationStore.
func (g *SegmentStore) UpdateSegmentation(ctx context.Context, def segment.Segmentation) (segment.Segmentation, error) {
	if err := ctx.Err(); err != nil {
		return segment.Segmentation{}, err
	}
	if err := def.Validate(); err != nil {
		return segment.Segmentation{}, err
	}
	return segmentations.update(ctx, g.s.w, def)
}

// DeleteSegmentation implements segment.SegmentationStore; the snapshots go with it.
func (g *SegmentStore) DeleteSegmentation(ctx context.Context, name string, version int64) error {
	return segmentations.delete(ctx, g.s.w, name, version)
}

// Segmentations implements segment.SegmentationStore.
func (g *SegmentStore) Segmentations(ctx context.Context) iter.Seq2[segment.Segmentation, error] {
	return segmentations.list(ctx, g.s.r)
}

// AppendSnapshot implements segment.SnapshotStore.
func (g *SegmentStore) AppendSnapshot(ctx context.Context, m *segment.Membership) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	if err := checkTime("as_of", m.AsOf); err != nil {
		return fmt.Errorf("sqlstore: snapshot: %w", err)
	}
	counts, err := json.Marshal(m.Counts)
	if err != nil {
		return err
	}
	at := nanos(m.AsOf)
	return inTx(ctx, g.s.w, func(tx *Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM segmentations WHERE name = ?`, m.Segmentation).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sqlstore: snapshot of segmentation %q: %w", m.Segmentation, crm.ErrNotFound)
		}
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO segment_snapshots (segmentation, as_of, counts, total, unassigned)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, m.Segmentation, at, counts, m.Total, m.Unassigned)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("sqlstore: snapshot of %q at %s: %w", m.Segmentation, m.AsOf.Format(time.RFC3339), crm.ErrExists)
		}
		// Members go in multi-row INSERTs of insertRows rows.
		const row = "(?, ?, ?, ?, ?)"
		args := make([]any, 0, 5*insertRows)
		flush := func() error {
			if len(args) == 0 {
				return nil
			}
			n := len(args) / 5
			_, err := tx.ExecContext(ctx, `INSERT INTO segment_members (segmentation, as_of, customer_id, position, segment) VALUES `+
				row+strings.Repeat(", "+row, n-1), args...)
			args = args[:0]
			return err
		}
		for customer, segs := range m.Members {
			for i, seg := range segs {
				if args = append(args, m.Segmentation, at, customer, i, seg); len(args) == 5*insertRows {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		}
		return flush()
	})
}

// Snapshot implements segment.SnapshotStore.
func (g *SegmentStore) Snapshot(ctx context.Context, segmentation string, asOf time.Time) (*segment.Membership, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	at := clampNanos(asOf)
	m := &segment.Membership{Segmentation: segmentation, AsOf: fromNanos(at), Members: map[string][]string{}}
	var counts []byte
	err := g.s.r.QueryRowContext(ctx, `SELECT counts, total, unassigned FROM segment_snapshots WHERE segmentation = ? AND as_of = ?`,
		segmentation, at).Scan(&counts, &m.Total, &m.Unassigned)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlstore: snapshot of %q at %s: %w", segmentation, asOf.Format(time.RFC3339), crm.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(counts, &m.Counts); err != nil {
		return nil, fmt.Errorf("sqlstore: snapshot of %q: corrupt counts: %w", segmentation, err)
	}
	rows, err := g.s.r.QueryContext(ctx, `SELECT customer_id, segment FROM segment_members
		WHERE segmentation = ? AND as_of = ? ORDER BY customer_id, position`, segmentation, at)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var customer, seg string
		if err := rows.Scan(&customer, &seg); err != nil {
			return nil, err
		}
		m.Members[customer] = append(m.Members[customer], seg)
	}
	return m, rows.Err()
}

// SnapshotTimes implements segment.SnapshotStore.
func (g *SegmentStore) SnapshotTimes(ctx context.Context, segmentation string) iter.Seq2[time.Time, error] {
	return paged(ctx, g.s.r, func(after *int64) (string, []any) {
		if after == nil {
			return `SELECT as_of FROM segment_snapshots WHERE segmentation = ? ORDER BY as_of LIMIT ` + limit, []any{segmentation}
		}
		return `SELECT as_of FROM segment_snapshots WHERE segmentation = ? AND as_of > ? ORDER BY as_of LIMIT ` + limit, []any{segmentation, *after}
	}, func(rows *sql.Rows) (time.Time, int64, error) {
		var at int64
		if err := rows.Scan(&at); err != nil {
			return time.Time{}, 0, err
		}
		return fromNanos(at), at, nil
	})
}
