package csvimport_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/csvimport"
)

func ExampleTransactions() {
	const file = ` 00004 0001 19970101  2   29.33
 00004 0001 19970118  2   29.73
 00018 0002 1997010x  1   14.96
`
	mapping := csvimport.TransactionMapping{
		Format:   csvimport.Format{Whitespace: true, TimeLayouts: []string{"20060102"}},
		Columns:  csvimport.TransactionColumns{CustomerID: csvimport.ColumnAt(2), Time: csvimport.ColumnAt(3), Amount: csvimport.ColumnAt(5)},
		Currency: "USD",
	}
	s := crm.NewMemoryStore()
	_, err := csvimport.Transactions(context.Background(), s, strings.NewReader(file), mapping, nil)
	fmt.Println(err)
	n := 0
	for range s.Transactions(context.Background()) {
		n++
	}
	fmt.Println("stored:", n)

	// Without the bad line the import goes through.
	good := strings.Join(strings.Split(file, "\n")[:2], "\n")
	res, err := csvimport.Transactions(context.Background(), s, strings.NewReader(good), mapping, nil)
	fmt.Println(res.Stored, err)
	// Output:
	// csvimport: 1 bad row(s), failing batch not stored: csvimport: line 3, column 3 ("1997010x"): not a time in layout "20060102"
	// stored: 0
	// 2 <nil>
}
