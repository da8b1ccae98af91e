package crm_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// A missing argument is an error that names it, never a panic.
func TestMissingArgumentsAreErrors(t *testing.T) {
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"WithContext(nil)": func() error {
			for _, err := range crm.WithContext[crm.Customer](ctx, nil) {
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
}
