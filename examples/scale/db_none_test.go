//go:build !sqlite

package main

import (
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// The default build says how to get -db rather than failing obscurely.
func TestScaleDBNeedsTheTag(t *testing.T) {
	db := filepath.Join(t.TempDir(), "crm.db")
	err := run(context.Background(), io.Discard, io.Discard, []string{"-customers", "50", "-db", db})
	require.ErrorIs(t, err, errNoSQLite)
	require.ErrorContains(t, err, "-tags sqlite")
	require.NoFileExists(t, db)
}
