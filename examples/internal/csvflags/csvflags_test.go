package csvflags

import (
	"flag"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/csvimport"
)

func TestMapping(t *testing.T) {
	var f File
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	f.Register(fs, "")
	require.NoError(t, fs.Parse([]string{"-delimiter", "tab", "-thousands", ".", "-customer", "2", "-date", "datum", "-negative-refunds"}))
	m, err := f.Mapping()
	require.NoError(t, err)
	require.Equal(t, '\t', m.Format.Delimiter)
	require.Equal(t, '.', m.Format.ThousandsSeparator)
	require.Equal(t, csvimport.ColumnAt(2), m.Columns.CustomerID)
	require.Equal(t, csvimport.ColumnNamed("datum"), m.Columns.Time)
	require.Equal(t, csvimport.ColumnNamed("amount"), m.Columns.Amount)
	require.True(t, m.NegativeRefunds)
	require.Equal(t, "USD", m.Currency)
	f.Delimiter = ";;"
	_, err = f.Mapping()
	require.ErrorContains(t, err, `-delimiter ";;": want one character`)
	f.Whitespace, f.Thousands = true, "ab"
	_, err = f.Mapping()
	require.ErrorContains(t, err, `-thousands "ab": want one character`)
}
