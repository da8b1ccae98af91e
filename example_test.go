package crm_test

import (
	"context"
	"errors"
	"fmt"
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
	// true crm: customer "c1": version conflict: write based on version 1, stored version is 2
	// <nil> <nil>
	// t1 19.99 EUR
}
