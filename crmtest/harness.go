package crmtest

import (
	"context"
	"iter"
	"testing"

	"github.com/stretchr/testify/require"
)

// Harness tells a conformance suite how to get the store under test; every
// suite of the SDK (this package's and each <pkg>test package's) takes one.
type Harness[S any] struct {
	// New returns an empty store. Required.
	New func(t *testing.T) S
	// Reopen, when set, closes s and opens the same storage again, so that
	// the suite's Reopen test checks that what was written survives: set it
	// for a store backed by a file or a database server, leave it nil for
	// one that lives in memory.
	Reopen func(t *testing.T, s S) S
}

// Check fails the test when h cannot run the named suite.
func (h Harness[S]) Check(t *testing.T, suite string) {
	t.Helper()
	if h.New == nil {
		t.Fatalf("%s: Harness.New is nil; pass a function that returns an empty store", suite)
	}
}

// RequireCancelled fails unless seq, made with a cancelled context, yields
// context.Canceled first and nothing after it. what names the stream in the
// failure message.
func RequireCancelled[T any](t *testing.T, what string, seq iter.Seq2[T, error]) {
	t.Helper()
	var first error
	n := 0
	for _, err := range seq {
		n++
		if n == 1 {
			first = err
		}
		if err != nil {
			break
		}
	}
	require.ErrorIs(t, first, context.Canceled, "%s over a cancelled context must yield its error first", what)
	require.Equal(t, 1, n, "%s over a cancelled context must yield its error and nothing else", what)
}

// capability returns s as the optional interface C a suite tests, or
// fails the test naming it.
func capability[C any](t *testing.T, s any, name string) C {
	t.Helper()
	x, ok := s.(C)
	require.True(t, ok, "%T does not implement %s", s, name)
	return x
}
