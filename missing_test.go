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
	mapping := crm.TransactionCSV{Currency: "USD", Columns: crm.TransactionColumns{CustomerID: crm.ColumnAt(1), Time: crm.ColumnAt(2), Amount: crm.ColumnAt(3)}}
	for name, call := range map[string]func() error{
		"WithContext(nil)": func() error {
			for _, err := range crm.WithContext[crm.Customer](ctx, nil) {
				return err
			}
			return nil
		},
		"TransactionReader(nil reader)": func() error {
			_, err := crm.NewTransactionReader(nil, mapping).Read()
			return err
		},
		"CustomerReader(nil reader)": func() error {
			_, err := crm.NewCustomerReader(nil, crm.CustomerCSV{Columns: crm.CustomerColumns{ID: crm.ColumnAt(1), CreatedAt: crm.ColumnAt(2)}}).Read()
			return err
		},
		"ImportTransactions(nil store)": func() error {
			_, err := crm.ImportTransactions(ctx, nil, nil, mapping, crm.ImportOptions{})
			return err
		},
		"ImportCustomers(nil store)": func() error {
			_, err := crm.ImportCustomers(ctx, nil, nil, crm.CustomerCSV{}, crm.ImportOptions{})
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
