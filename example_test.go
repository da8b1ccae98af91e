package crm_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
)

func ExampleMemoryStore() {
	ctx := context.Background()
	s := crm.NewMemoryStore()
	c, _ := s.CreateCustomer(ctx, crm.Customer{ID: "c1", Name: "Ada", CreatedAt: time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)})
	fmt.Println("version after create:", c.Version)

	// Two agents read version 1; the second write is refused.
	a, b := c, c
	a.Name = "Ada Lovelace"
	if _, err := s.UpdateCustomer(ctx, a); err != nil {
		fmt.Println(err)
	}
	b.Name = "A. L."
	_, err := s.UpdateCustomer(ctx, b)
	fmt.Println(errors.Is(err, crm.ErrConflict), err)

	tx := crm.Transaction{ID: "t1", CustomerID: "c1", Time: time.Date(2025, 1, 3, 10, 0, 0, 0, time.UTC),
		Amount: decimal.RequireFromString("19.99"), Currency: "EUR", Kind: crm.Purchase}
	fmt.Println(s.AppendTransactions(ctx, tx), s.AppendTransactions(ctx, tx)) // a retry is a no-op
	for t, err := range s.CustomerTransactions(ctx, "c1") {
		if err != nil {
			panic(err)
		}
		fmt.Println(t.ID, t.Money())
	}
	// Output:
	// version after create: 1
	// true crm: update customer "c1": version conflict: write based on version 1, stored version is 2
	// <nil> <nil>
	// t1 19.99 EUR
}

func ExampleImportTransactions() {
	const file = ` 00004 0001 19970101  2   29.33
 00004 0001 19970118  2   29.73
 00018 0002 1997010x  1   14.96
`
	mapping := crm.TransactionCSV{
		Format:   crm.CSVFormat{Whitespace: true, TimeLayouts: []string{"20060102"}},
		Columns:  crm.TransactionColumns{CustomerID: crm.ColumnAt(2), Time: crm.ColumnAt(3), Amount: crm.ColumnAt(5)},
		Currency: "USD",
	}
	s := crm.NewMemoryStore()
	_, err := crm.ImportTransactions(context.Background(), s, strings.NewReader(file), mapping, crm.ImportOptions{})
	fmt.Println(err)
	n := 0
	for range s.Transactions(context.Background()) {
		n++
	}
	fmt.Println("stored:", n)

	// Without the bad line the import goes through.
	good := strings.Join(strings.Split(file, "\n")[:2], "\n")
	res, err := crm.ImportTransactions(context.Background(), s, strings.NewReader(good), mapping, crm.ImportOptions{})
	fmt.Println(res.Stored, err)
	// Output:
	// crm: import: 1 bad row(s), failing batch not stored: crm: line 3, column 3 ("1997010x"): not a time in layout "20060102"
	// stored: 0
	// 2 <nil>
}
