package crm

import (
	"context"
	"fmt"
	"iter"
)

// WithContext passes a stream through and ends it with ctx's error once
// ctx is done. It looks at ctx every 8,192 items, which keeps the check
// off the profile of a long stream.
func WithContext[T any](ctx context.Context, seq iter.Seq2[T, error]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		if seq == nil {
			var zero T
			yield(zero, fmt.Errorf("crm: stream: nil sequence: %w", ErrInvalid))
			return
		}
		n := 0
		for v, err := range seq {
			if n++; n%8192 == 0 {
				if cerr := ctx.Err(); cerr != nil {
					var zero T
					yield(zero, cerr)
					return
				}
			}
			if !yield(v, err) {
				return
			}
		}
	}
}
