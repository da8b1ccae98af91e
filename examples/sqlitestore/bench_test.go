package sqlitestore_test

import (
	"path/filepath"
	"testing"

	"github.com/crmkit/crm/examples/internal/sqlstore"
	"github.com/crmkit/crm/examples/internal/sqlstore/sqlstoretest"
	"github.com/crmkit/crm/examples/sqlitestore"
)

func benchStore(b *testing.B) *sqlstore.Store {
	s, err := sqlitestore.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s.Store
}

// BenchmarkAppendTransactions: 100k transactions in batches of 10k.
func BenchmarkAppendTransactions(b *testing.B) { sqlstoretest.BenchAppend(b, benchStore) }

// BenchmarkStreamTransactions: stream 100k transactions by customer.
func BenchmarkStreamTransactions(b *testing.B) { sqlstoretest.BenchStream(b, benchStore(b)) }

// BenchmarkLoop: one run of the loop over every store on SQLite, 5,000
// generated customers, summarising the transaction stream in Go or taking
// the summaries from the database.
func BenchmarkLoop(b *testing.B) { sqlstoretest.BenchLoop(b, benchStore, 5000) }
