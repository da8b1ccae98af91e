package csvimport_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/csvimport"
)

// A missing argument is an error that names it, never a panic.
func TestMissingArgumentsAreErrors(t *testing.T) {
	ctx := context.Background()
	mapping := csvimport.TransactionMapping{Currency: "USD", Columns: csvimport.TransactionColumns{CustomerID: csvimport.ColumnAt(1), Time: csvimport.ColumnAt(2), Amount: csvimport.ColumnAt(3)}}
	for name, call := range map[string]func() error{
		"TransactionReader(nil reader)": func() error {
			_, err := csvimport.NewTransactionReader(nil, mapping).Read()
			return err
		},
		"CustomerReader(nil reader)": func() error {
			_, err := csvimport.NewCustomerReader(nil, csvimport.CustomerMapping{Columns: csvimport.CustomerColumns{ID: csvimport.ColumnAt(1), CreatedAt: csvimport.ColumnAt(2)}}).Read()
			return err
		},
		"Transactions(nil store)": func() error {
			_, err := csvimport.Transactions(ctx, nil, nil, mapping, nil)
			return err
		},
		"Customers(nil store)": func() error {
			_, err := csvimport.Customers(ctx, nil, nil, csvimport.CustomerMapping{}, nil)
			return err
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
