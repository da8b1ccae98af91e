package csvimport_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/csvimport"
)

// rowsCSV is n rows of customer, day and amount; bad lists the rows (from
// 1) whose date is not one.
func rowsCSV(n int, bad ...int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		date := fmt.Sprintf("2025-%02d-%02d", 1+i%12, 1+i%28)
		for _, k := range bad {
			if k == i {
				date = "someday"
			}
		}
		fmt.Fprintf(&b, "c%05d,%s,%d.%02d\n", i/3, date, i%500, i%100)
	}
	return b.String()
}

var rowsMapping = csvimport.TransactionMapping{Currency: "USD", Columns: csvimport.TransactionColumns{
	CustomerID: csvimport.ColumnAt(1), Time: csvimport.ColumnAt(2), Amount: csvimport.ColumnAt(3)}}

// settled waits a little for the goroutines to come back to want.
func settled(want int) bool {
	for range 200 {
		if runtime.NumGoroutine() <= want {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return false
}

// All reads ahead on a goroutine of its own: what it yields is what Read
// gives, row for row, up to and including the first error.
func TestAllYieldsWhatReadGives(t *testing.T) {
	for _, bad := range [][]int{nil, {5}, {1500}, {4000}} {
		in := rowsCSV(4000, bad...)
		var want []crm.Transaction
		var wantErr error
		r := csvimport.NewTransactionReader(strings.NewReader(in), rowsMapping)
		for {
			tx, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				wantErr = err
				break
			}
			want = append(want, tx)
		}
		var got []crm.Transaction
		var gotErr error
		for tx, err := range csvimport.NewTransactionReader(strings.NewReader(in), rowsMapping).All() {
			if err != nil {
				gotErr = err
				break
			}
			got = append(got, tx)
		}
		require.Equal(t, want, got, "bad rows %v", bad)
		require.Equal(t, fmt.Sprint(wantErr), fmt.Sprint(gotErr), "bad rows %v", bad)
		if bad != nil {
			require.Len(t, got, bad[0]-1)
			require.ErrorContains(t, gotErr, fmt.Sprintf("line %d", bad[0]))
		}
	}
}

// A loop left early ends the reading goroutine, which finishes its row
// first: the reader can be read on from where the reading stopped.
func TestAllLeftEarlyStopsReading(t *testing.T) {
	before := runtime.NumGoroutine()
	r := csvimport.NewTransactionReader(strings.NewReader(rowsCSV(20_000)), rowsMapping)
	n := 0
	for _, err := range r.All() {
		require.NoError(t, err)
		if n++; n == 10 {
			break
		}
	}
	require.True(t, settled(before), "the reading goroutine ended")
	stoppedAt := r.Line()
	require.Greater(t, stoppedAt, 10, "rows were read ahead")
	require.Less(t, stoppedAt, 20_000, "not the whole file")
	tx, err := r.Read()
	require.NoError(t, err)
	require.Equal(t, fmt.Sprint("line-", stoppedAt+1), tx.ID)
}

// A reader that panics is an error from All, not a crash of the host.
func TestAllReaderPanicIsAnError(t *testing.T) {
	var err error
	for _, e := range csvimport.NewTransactionReader(panicky{strings.NewReader(rowsCSV(3000))}, rowsMapping).All() {
		if e != nil {
			err = e
			break
		}
	}
	require.ErrorContains(t, err, "panicked")
}

// panicky panics once its reader is read out.
type panicky struct{ r io.Reader }

func (p panicky) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if err == io.EOF {
		panic("the host's reader broke")
	}
	return n, err
}

// Importing collects bad rows past the first batch read ahead, stores
// nothing from a failed import, and stops its reading on cancellation.
func TestImportAheadCollectsAndCancels(t *testing.T) {
	s := crm.NewMemoryStore()
	_, err := csvimport.Transactions(context.Background(), s, strings.NewReader(rowsCSV(3000, 300, 2900)), rowsMapping, &csvimport.Options{CollectErrors: true})
	require.ErrorContains(t, err, "line 300")
	require.ErrorContains(t, err, "line 2900")
	require.ErrorContains(t, err, "2 bad row(s)")
	txs, _ := countCustomers(t, s)
	require.Zero(t, txs)

	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	res, err := csvimport.Transactions(ctx, crm.NewMemoryStore(), &cancelAfter{r: strings.NewReader(rowsCSV(200_000)), cancel: cancel, after: 64 << 10}, rowsMapping, &csvimport.Options{BatchSize: 1000})
	require.True(t, errors.Is(err, context.Canceled), "%v", err)
	require.Less(t, res.Rows, 200_000)
	require.True(t, settled(before), "the reading goroutine ended")
}

// cancelAfter cancels once after bytes have been read.
type cancelAfter struct {
	r      io.Reader
	cancel func()
	after  int
}

func (c *cancelAfter) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	if c.after -= n; c.after < 0 {
		c.cancel()
	}
	return n, err
}
