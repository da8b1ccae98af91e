package crm_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

func TestWithContext(t *testing.T) {
	ints := func(yield func(int, error) bool) {
		for i := 0; i < 100_000; i++ {
			if !yield(i, nil) {
				return
			}
		}
	}
	n := 0
	for _, err := range crm.WithContext(context.Background(), ints) {
		require.NoError(t, err)
		n++
	}
	require.Equal(t, 100_000, n)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n = 0
	var last error
	for v, err := range crm.WithContext(ctx, ints) {
		if err != nil {
			last = err
			break
		}
		if n++; v == 10_000 {
			cancel()
		}
	}
	require.ErrorIs(t, last, context.Canceled)
	require.Less(t, n, 10_000+8192+1, "stops within one check interval")
}
