package csvimport_test

import (
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/csvimport"
)

// Excel's "CSV UTF-8" puts a byte-order mark before a quoted header.
func TestImportByteOrderMarkBeforeQuotedHeader(t *testing.T) {
	text := "\uFEFF\"id\";\"customer\";\"when\";\"amount\";\"currency\";\"kind\";\"channel\"\n" + strings.SplitN(shopCSV, "\n", 2)[1]
	s := crm.NewMemoryStore()
	res, err := csvimport.Transactions(context.Background(), s, strings.NewReader(text), shopMapping, nil)
	require.NoError(t, err)
	require.Equal(t, csvimport.Result{Rows: 3, Stored: 3}, res)
	// In a whitespace file too, and only at the very start.
	ws := csvimport.TransactionMapping{Format: csvimport.Format{Whitespace: true}, Currency: "USD",
		Columns: csvimport.TransactionColumns{CustomerID: csvimport.ColumnAt(1), Time: csvimport.ColumnAt(2), Amount: csvimport.ColumnAt(3)}}
	tr := csvimport.NewTransactionReader(strings.NewReader("\uFEFFc1 2025-01-01 3\n"), ws)
	tx, err := tr.Read()
	require.NoError(t, err)
	require.Equal(t, "c1", tx.CustomerID)
}

// A header problem is reported once and ends the import, however many
// errors are collected (an empty file gave 100 copies of "no header line",
// and a large MaxErrors never finished).
func TestImportHeaderProblemIsFinal(t *testing.T) {
	for _, opt := range []*csvimport.Options{nil, {CollectErrors: true}, {CollectErrors: true, MaxErrors: 1 << 30}, {BatchSize: 10}} {
		res, err := csvimport.Transactions(context.Background(), crm.NewMemoryStore(), strings.NewReader(""), shopMapping, opt)
		require.ErrorIs(t, err, crm.ErrInvalid)
		require.Equal(t, 1, strings.Count(err.Error(), "no header line"), err.Error())
		var re *csvimport.RowError
		require.ErrorAs(t, err, &re)
		require.Equal(t, 1, re.Line)
		require.Zero(t, res.Rows)
	}
	tr := csvimport.NewTransactionReader(strings.NewReader(""), shopMapping)
	_, err1 := tr.Read()
	_, err2 := tr.Read()
	require.Equal(t, err1, err2, "Read returns the final error again")
	_, err := csvimport.Customers(context.Background(), crm.NewMemoryStore(), strings.NewReader(""),
		csvimport.CustomerMapping{Format: csvimport.Format{Header: true}, Columns: csvimport.CustomerColumns{ID: csvimport.ColumnNamed("id"), CreatedAt: csvimport.ColumnNamed("since")}},
		&csvimport.Options{CollectErrors: true, MaxErrors: 1 << 30})
	require.Equal(t, 1, strings.Count(err.Error(), "no header line"), err.Error())
}

// repeatReader is n copies of line, without holding them.
type repeatReader struct {
	line []byte
	n    int
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := copy(p, r.line[r.off:])
	r.off += k
	if r.off == len(r.line) {
		r.off, r.n = 0, r.n-1
	}
	return k, nil
}

// One stray opening quote on line 2 of a large file: the error names line
// 2, and the importer does not hold the rest of the file (it held 916 MB
// of an 8M-row file).
func TestImportUnclosedQuoteIsBounded(t *testing.T) {
	m := csvimport.TransactionMapping{Currency: "USD", Columns: csvimport.TransactionColumns{CustomerID: csvimport.ColumnAt(1), Time: csvimport.ColumnAt(2), Amount: csvimport.ColumnAt(3)}}
	body := &repeatReader{line: []byte("c1,2025-01-10,1.00\n"), n: 2_000_000} // 38 MB
	in := io.MultiReader(strings.NewReader("c1,2025-01-10,1.00\n\"c2,2025-01-10,1.00\n"), body)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := crm.NewMemoryStore()
	_, err := csvimport.Transactions(context.Background(), s, in, m, &csvimport.Options{BatchSize: 1000})
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, crm.ErrInvalid)
	var re *csvimport.RowError
	require.ErrorAs(t, err, &re)
	require.Equal(t, 2, re.Line)
	require.ErrorContains(t, err, "MaxRecordBytes")
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "allocated while failing")
	require.Greater(t, body.n, 1_900_000, "reading stopped near the bad record")
}

// Amounts are parsed only up to MaxNumberLength characters: a million
// digits is refused at once (it took 1.6 s and was stored), and amounts
// past crm.MaxAmountDigits by validation.
func TestImportOversizedAmounts(t *testing.T) {
	m := csvimport.TransactionMapping{Currency: "USD", Columns: csvimport.TransactionColumns{CustomerID: csvimport.ColumnAt(1), Time: csvimport.ColumnAt(2), Amount: csvimport.ColumnAt(3)}}
	for amount, want := range map[string]string{
		strings.Repeat("9", 1_000_000): "more than MaxNumberLength (64)",
		"1e20":                         "more than 15 whole digits",
		"1234567890123456":             "more than 15 whole digits",
	} {
		s := crm.NewMemoryStore()
		_, err := csvimport.Transactions(context.Background(), s, strings.NewReader("c1,2025-01-10,"+amount+"\n"), m, nil)
		require.ErrorIs(t, err, crm.ErrInvalid)
		require.ErrorContains(t, err, want)
		require.Less(t, len(err.Error()), 400)
		n, _ := countCustomers(t, s)
		require.Zero(t, n)
	}
}

// FuzzCustomerReader: the customer reader never panics, names a line for
// every row it refuses, and returns only customers that validate.
func FuzzCustomerReader(f *testing.F) {
	for _, seed := range []string{
		"id,name,since,zone\nc1,Ana,2025-01-01,Europe/Berlin\n", "\uFEFF\"id\",\"name\",\"since\",\"zone\"\nc1,Ana,2025-01-01,\n",
		"id,name,since,zone\nc1,\"Ana,2025-01-01,UTC\n", "id,name,since,zone\nc1,Ana,10000-01-01,Local\n", "", "id\n",
		"id,name,since,zone\nc1,Ana,2025-01-01,UTC,extra\n", "id,name,since,zone\n,,,\n",
	} {
		f.Add(seed)
	}
	m := csvimport.CustomerMapping{Format: csvimport.Format{Header: true}, Columns: csvimport.CustomerColumns{
		ID: csvimport.ColumnNamed("id"), Name: csvimport.ColumnNamed("name"), CreatedAt: csvimport.ColumnNamed("since"), TimeZone: csvimport.ColumnNamed("zone")}}
	f.Fuzz(func(t *testing.T, in string) {
		r := csvimport.NewCustomerReader(strings.NewReader(in), m)
		for range 1000 {
			c, err := r.Read()
			if err == io.EOF {
				return
			}
			if err != nil {
				var re *csvimport.RowError
				if !errors.As(err, &re) {
					return // the header or mapping: final
				}
				if re.Line < 1 {
					t.Fatalf("error without a line: %v", err)
				}
				continue
			}
			if err := c.Validate(); err != nil {
				t.Fatalf("reader returned an invalid customer: %v", err)
			}
		}
	})
}

// An import stops with the context's error soon after cancellation, with
// the batches before it stored and none after.
func TestImportHonoursCancellation(t *testing.T) {
	m := csvimport.TransactionMapping{Currency: "USD", Columns: csvimport.TransactionColumns{CustomerID: csvimport.ColumnAt(1), Time: csvimport.ColumnAt(2), Amount: csvimport.ColumnAt(3)}}
	in := &repeatReader{line: []byte("c1,2025-01-10,1.00\n"), n: 5_000_000}
	ctx, cancel := context.WithCancel(context.Background())
	at := make(chan time.Time, 1)
	time.AfterFunc(20*time.Millisecond, func() { at <- time.Now(); cancel() })
	s := crm.NewMemoryStore()
	res, err := csvimport.Transactions(ctx, s, in, m, &csvimport.Options{BatchSize: 10_000})
	require.ErrorIs(t, err, context.Canceled)
	t.Logf("import returned %v after cancellation, %d rows read", time.Since(<-at), res.Rows)
	require.Greater(t, in.n, 0, "the input was not read to the end")
	n, _ := countCustomers(t, s)
	require.Equal(t, res.Stored, n)
}
