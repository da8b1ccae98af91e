package segment_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/segment"
)

// A missing argument is an error that names it, never a panic.
func TestMissingArgumentsAreErrors(t *testing.T) {
	ctx := context.Background()
	rule, err := segment.Parse("frequency > 1")
	require.NoError(t, err)
	for name, call := range map[string]func() error{
		"Compile(rule, nil schema)": func() error { _, err := segment.Compile(rule, nil); return err },
		"Compile(nil, schema)":      func() error { _, err := segment.Compile(nil, segment.DefaultSchema()); return err },
		"ToSQL(rule, nil schema)": func() error {
			_, _, err := segment.ToSQL(rule, nil, segment.Postgres, nil)
			return err
		},
		"Profiles(nil schema)": func() error {
			for _, err := range segment.Profiles(ctx, seqOf(crm.Customer{ID: "a"}), segment.Scores{}, nil, time.Now()) {
				return err
			}
			return nil
		},
		"Profiles(nil customers)": func() error {
			for _, err := range segment.Profiles(ctx, nil, segment.Scores{}, segment.DefaultSchema(), time.Now()) {
				return err
			}
			return nil
		},
		"Segmentation.Compile(nil schema)": func() error { _, err := segment.RFMSegments().Compile(nil); return err },
	} {
		t.Run(name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() { err = call() })
			require.ErrorIs(t, err, crm.ErrInvalid)
			require.Regexp(t, `nil|no `, err.Error())
		})
	}
	// A nil membership is an empty one.
	after := &segment.Membership{Members: map[string][]string{"a": {"x"}}}
	require.NotPanics(t, func() {
		changes := segment.Diff(nil, after)
		require.Equal(t, []segment.Change{{CustomerID: "a", Entered: []string{"x"}}}, changes)
		require.Empty(t, segment.Diff(nil, nil))
	})
}

func seqOf[T any](vs ...T) func(func(T, error) bool) {
	return func(yield func(T, error) bool) {
		for _, v := range vs {
			if !yield(v, nil) {
				return
			}
		}
	}
}
