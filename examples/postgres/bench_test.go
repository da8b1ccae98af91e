package postgres_test

import (
	"testing"

	"github.com/crmkit/crm/examples/internal/sqlstore"
	"github.com/crmkit/crm/examples/internal/sqlstore/sqlstoretest"
)

func benchStore(b *testing.B) *sqlstore.Store {
	s, err := openStore(b, newSchema(b))
	if err != nil {
		b.Fatal(err)
	}
	return s.Store
}

// BenchmarkAppendTransactions: 100k transactions in batches of 10k.
func BenchmarkAppendTransactions(b *testing.B) { sqlstoretest.BenchAppend(b, benchStore) }

// BenchmarkStreamTransactions: stream 100k transactions by customer.
func BenchmarkStreamTransactions(b *testing.B) { sqlstoretest.BenchStream(b, benchStore(b)) }

// BenchmarkLoop: one run of the loop over every store on PostgreSQL, 5,000
// generated customers, summarising the transaction stream in Go or taking
// the summaries from the database.
func BenchmarkLoop(b *testing.B) { sqlstoretest.BenchLoop(b, benchStore, 5000) }
