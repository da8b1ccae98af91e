package sqlstore

import (
	"context"
	"fmt"
	"iter"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/monitor"
)

// AlertStore is monitor.Store on the database: each alert as JSON with a
// version column.
type AlertStore struct{ s *Store }

// Alerts returns the monitor's alert store.
func (s *Store) Alerts() *AlertStore { return &AlertStore{s} }

var _ monitor.Store = (*AlertStore)(nil)

var alertDocs = &docTable[monitor.Alert]{kind: "alert", table: "alerts", keyCol: "id",
	key: func(a *monitor.Alert) string { return a.ID }, version: func(a *monitor.Alert) *int64 { return &a.Version }}

// CreateAlert implements monitor.Store.
func (m *AlertStore) CreateAlert(ctx context.Context, a monitor.Alert) (monitor.Alert, error) {
	if a.ID == "" {
		return monitor.Alert{}, fmt.Errorf("sqlstore: alert: empty ID: %w", crm.ErrInvalid)
	}
	return alertDocs.create(ctx, m.s.w, a)
}

// Alert implements monitor.Store.
func (m *AlertStore) Alert(ctx context.Context, id string) (monitor.Alert, error) {
	return alertDocs.get(ctx, m.s.r, id)
}

// UpdateAlert implements monitor.Store.
func (m *AlertStore) UpdateAlert(ctx context.Context, a monitor.Alert) (monitor.Alert, error) {
	return alertDocs.update(ctx, m.s.w, a)
}

// DeleteAlert implements monitor.Store.
func (m *AlertStore) DeleteAlert(ctx context.Context, id string, version int64) error {
	return alertDocs.delete(ctx, m.s.w, id, version)
}

// Alerts implements monitor.Store.
func (m *AlertStore) Alerts(ctx context.Context) iter.Seq2[monitor.Alert, error] {
	return alertDocs.list(ctx, m.s.r)
}
