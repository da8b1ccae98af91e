package lifecycle_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/lifecycle"
	"github.com/crmkit/crm/segment"
)

// A missing argument is an error that names it, never a panic; a nil
// policy means the default policy in the classifier as in the tracker.
func TestMissingArgumentsAreErrors(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, call := range map[string]func() error{
		"NewClassifier(nil schema)": func() error { _, err := lifecycle.NewClassifier(nil, nil); return err },
		"NewTracker(nil store)":     func() error { _, err := lifecycle.NewTracker(nil, nil); return err },
		"Flows(nil store)":          func() error { _, err := lifecycle.Flows(ctx, nil, now, now); return err },
		"Churn(nil)": func() error {
			_, err := lifecycle.Churn(ctx, nil, segment.Scores{}, now, nil)
			return err
		},
		"Cohorts(nil)": func() error { _, err := lifecycle.Cohorts(ctx, nil, now, lifecycle.Monthly, nil); return err },
		"Due(nil)":     func() error { _, err := lifecycle.Due(ctx, nil, nil, now, now.AddDate(0, 1, 0)); return err },
		"Profiles(nil schema)": func() error {
			for _, err := range lifecycle.StageProfiles(ctx, nil, lifecycle.Inputs{}, nil, now) {
				return err
			}
			return nil
		},
	} {
		t.Run(name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() { err = call() })
			require.ErrorIs(t, err, crm.ErrInvalid)
			require.Regexp(t, `nil|no `, err.Error())
		})
	}
	c, err := lifecycle.NewClassifier(lifecycle.Schema(), nil)
	require.NoError(t, err, "nil options mean the default policy")
	require.NotNil(t, c)
	_, err = lifecycle.NewTracker(lifecycle.NewMemoryStore(), &lifecycle.Options{Policy: &lifecycle.Policy{}})
	require.ErrorIs(t, err, crm.ErrInvalid, "an invalid policy is refused when the tracker is made")
}
