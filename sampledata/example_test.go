package sampledata_test

import (
	"context"
	"fmt"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/sampledata"
)

func ExampleGenerator() {
	cfg := sampledata.DefaultConfig()
	cfg.Customers = 1000
	g, err := sampledata.NewGenerator(cfg)
	if err != nil {
		panic(err)
	}
	s := crm.NewMemoryStore()
	if err := g.Load(context.Background(), s); err != nil {
		panic(err)
	}
	c, _ := s.Customer(context.Background(), sampledata.CustomerID(0))
	fmt.Println(c.ID, c.Demographics.Country, c.Preferences.Style)
	fmt.Printf("true BG/NBD parameters (days): %+v\n", g.Config().Purchase)
	// Output:
	// C0000000 CN automated
	// true BG/NBD parameters (days): {R:1 Alpha:30 A:0.6 B:6}
}
