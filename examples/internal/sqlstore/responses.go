package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"iter"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/feedback"
)

// ResponseStore is the feedback.ResponseStore on the database.
type ResponseStore struct{ s *Store }

// Responses returns the survey response store.
func (s *Store) Responses() *ResponseStore { return &ResponseStore{s} }

var _ feedback.ResponseStore = (*ResponseStore)(nil)

// AppendResponses implements feedback.ResponseStore.
func (r *ResponseStore) AppendResponses(ctx context.Context, rs ...feedback.Response) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	recs := make([]storedOnce, len(rs))
	for i, v := range rs {
		if err := v.Validate(); err != nil {
			return err
		}
		body, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("sqlstore: response %q: %w: %w", v.ID, err, crm.ErrInvalid)
		}
		recs[i] = storedOnce{what: func() string { return fmt.Sprintf("response %q", v.ID) },
			args: []any{v.ID, v.Instrument, body},
			same: func(b []byte) (bool, error) { return sameJSON(b, v, feedback.Response.Equal) }}
	}
	return appendOnce(ctx, r.s.w, responsesTable, recs)
}

// Responses implements feedback.ResponseStore.
func (r *ResponseStore) Responses(ctx context.Context, instrument string) iter.Seq2[feedback.Response, error] {
	sel := `SELECT id, body FROM survey_responses WHERE instrument = ?`
	return paged(ctx, r.s.r, func(after *string) (string, []any) {
		if after == nil {
			return sel + ` ORDER BY id LIMIT ` + limit, []any{instrument}
		}
		return sel + ` AND id > ? ORDER BY id LIMIT ` + limit, []any{instrument, *after}
	}, func(rows *sql.Rows) (feedback.Response, string, error) {
		var id string
		var body []byte
		if err := rows.Scan(&id, &body); err != nil {
			return feedback.Response{}, "", err
		}
		var v feedback.Response
		if err := json.Unmarshal(body, &v); err != nil {
			return v, id, fmt.Errorf("sqlstore: response %q: corrupt record: %w", id, err)
		}
		return v, id, nil
	})
}
