package csvimport_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/csvimport"
	"github.com/crmkit/crm/scoring"
)

// summarizeWay is a way Summarize reads: ahead or not, in blocks of rows
// rows (0: the default size).
type summarizeWay struct {
	ahead bool
	rows  int
}

// everyWay lists the ways: on the caller's goroutine, ahead in blocks of
// small rows, ahead in full blocks.
func everyWay(small int) []summarizeWay {
	return []summarizeWay{{false, 0}, {true, small}, {true, 0}}
}

// threeADay is a header and n rows of customers c00000, c00000, c00000,
// c00001, …, each buying 1.00 on 2025-03-04.
func threeADay(n int) string {
	var b strings.Builder
	b.WriteString("customer,day,amount\n")
	for i := range n {
		fmt.Fprintf(&b, "c%05d,2025-03-04,1.00\n", i/3)
	}
	return b.String()
}

// summarizeBoth runs csvimport.Summarize and what it stands for,
// scoring.Summarize over TransactionReader.All, on the same text.
// Summarize runs in every way it reads — on the caller's goroutine, and
// ahead in blocks of 1 to 7 rows and of the default size — and each must
// give the same summaries and error.
func summarizeBoth(t *testing.T, text string, m csvimport.TransactionMapping, asOf time.Time, opt *scoring.SummaryOptions) (got, want []scoring.Summary, gotErr, wantErr error) {
	t.Helper()
	ctx := context.Background()
	want, wantErr = scoring.Summarize(ctx, csvimport.NewTransactionReader(strings.NewReader(text), m).All(), asOf, opt)
	for i, way := range everyWay(1 + len(text)%7) {
		restore := csvimport.SetSummarizeWay(way.ahead, way.rows)
		sums, err := csvimport.Summarize(ctx, strings.NewReader(text), m, asOf, opt)
		restore()
		if i == 0 {
			got, gotErr = sums, err
			continue
		}
		require.Equal(t, fmt.Sprint(gotErr), fmt.Sprint(err), "ahead in blocks of %d rows: %q", way.rows, text)
		require.Equal(t, got, sums, "ahead in blocks of %d rows: %q", way.rows, text)
	}
	return got, want, gotErr, wantErr
}

func sameSummaries(t *testing.T, text string, m csvimport.TransactionMapping, asOf time.Time, opt *scoring.SummaryOptions) []scoring.Summary {
	t.Helper()
	got, want, gotErr, wantErr := summarizeBoth(t, text, m, asOf, opt)
	require.Equal(t, fmt.Sprint(wantErr), fmt.Sprint(gotErr), "%q", text)
	require.Equal(t, want, got, "%q", text)
	return got
}

var dayMapping = csvimport.TransactionMapping{Format: csvimport.Format{Header: true, TimeLayouts: []string{"2006-01-02"}}, Currency: "USD", NegativeRefunds: true,
	Columns: csvimport.TransactionColumns{CustomerID: csvimport.ColumnNamed("customer"), Time: csvimport.ColumnNamed("day"), Amount: csvimport.ColumnNamed("amount")}}

// layouts place the columns customer, day and amount: as written, in
// another order with other columns between, with the last one at the
// eighth place and past it (where rows are split a cell at a time).
var layouts = [][3]int{{0, 1, 2}, {2, 0, 1}, {1, 3, 5}, {7, 0, 3}, {9, 2, 11}, {0, 8, 4}}

// spread moves each line's first three cells to the layout's places,
// with a filler cell in every other place up to the last one the line
// reaches; cells past the third go at the end. Comments and empty lines
// stay as they are.
func spread(text string, layout [3]int) string {
	if layout == [3]int{0, 1, 2} {
		return text
	}
	var b strings.Builder
	for line := range strings.SplitAfterSeq(text, "\n") {
		body := strings.TrimRight(line, "\r\n")
		if body == "" || body[0] == '#' {
			b.WriteString(line)
			continue
		}
		cells := strings.Split(body, ",")
		width := 0
		for i := range min(3, len(cells)) {
			width = max(width, layout[i]+1)
		}
		row := make([]string, width)
		for i := range row {
			row[i] = "f"
		}
		for i := range min(3, len(cells)) {
			row[layout[i]] = cells[i]
		}
		if len(cells) > 3 {
			row = append(row, cells[3:]...)
		}
		b.WriteString(strings.Join(row, ","))
		b.WriteString(line[len(body):])
	}
	return b.String()
}

// Summarize gives what scoring.Summarize over the reader gives — the same
// summaries, bit for bit, and the same first error — on random files that
// mix rows of the common shape with every kind of row it leaves to the
// reader: blanks, quote marks (after which the reader reads every row),
// other time forms, plus signs, ambiguous and long amounts, refunds with
// and without NegativeRefunds, "-0.00", year 0001, comments, customers
// out of order, many rows of one customer on one day across 9 → 10 and
// 99 → 100 lines (IDs compared as text); the columns in six layouts.
func TestSummarizeIsTheReaderSummarized(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	good := func(c int) string {
		return fmt.Sprintf("c%03d,2025-%02d-%02d,%d.%02d", c, 1+rng.IntN(12), 1+rng.IntN(28), rng.IntN(400), rng.IntN(100))
	}
	odd := []func(c int) string{
		func(c int) string { return fmt.Sprintf(" c%03d,2025-03-04,1.00", c) },
		func(c int) string { return fmt.Sprintf("c%03d,2025-03-04 ,1.00", c) },
		func(c int) string { return fmt.Sprintf("\"c%03d\",2025-03-04,1.00", c) },
		func(c int) string { return fmt.Sprintf("c%03d,2025-03-04T10:00:00Z,1.00", c) },
		func(c int) string { return fmt.Sprintf("c%03d,2025-02-30,1.00", c) },
		func(c int) string { return fmt.Sprintf("c%03d,2025-03-04,+1.00", c) },
		func(c int) string { return fmt.Sprintf("c%03d,2025-03-04,1.234", c) },
		func(c int) string { return fmt.Sprintf("c%03d,2025-03-04,-12.50", c) },
		func(c int) string { return fmt.Sprintf("c%03d,2025-03-04,-0.00", c) },
		func(c int) string { return fmt.Sprintf("c%03d,2025-03-04,1234567890123456.5", c) },
		func(c int) string { return fmt.Sprintf("c%03d,2025-03-04,0.0000000000001", c) },
		func(c int) string { return fmt.Sprintf("c%03d,2025-03-04,1e3", c) },
		func(c int) string { return fmt.Sprintf("c%03d,0001-01-01,1.00", c) },
		func(c int) string { return fmt.Sprintf("c%03d,2025-03-04", c) },
		func(c int) string { return fmt.Sprintf("c%03d,2025-03-04,1.00,extra,cells", c) },
		func(c int) string { return fmt.Sprintf("c%03d,2025-03-04,99999999999999.99", c) },
		func(c int) string { return "# a comment" },
		func(c int) string { return "" },
		func(c int) string { return fmt.Sprintf("c%03d é,2025-03-04,1.00", c) },
		func(c int) string { return fmt.Sprintf("c%03d\x01,2025-03-04,1.00", c) },
		func(int) string { return ",2025-03-04,1.00" },
		func(c int) string { return fmt.Sprintf("c%03d,2025-03-04,12", c) },
		func(c int) string { return fmt.Sprintf("c%03d,2025-03-04,.5", c) },
	}
	asOf := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	options := []*scoring.SummaryOptions{nil, {Unit: scoring.Week}, {Scale: 7, Currency: "USD"}}
	errors, compared := 0, 0
	for round := range 600 {
		var b strings.Builder
		b.WriteString("customer,day,amount\n")
		c := 0
		oddRate := []int{0, 50, 8}[round%3]
		for range 20 + rng.IntN(300) {
			if rng.IntN(6) == 0 {
				c++
			}
			if round%7 == 0 && rng.IntN(100) == 0 {
				c -= 3 // a customer again after others: an error
			}
			if oddRate > 0 && rng.IntN(oddRate) == 0 {
				b.WriteString(odd[rng.IntN(len(odd))](max(c, 0)))
			} else {
				b.WriteString(good(max(c, 0)))
			}
			b.WriteString([]string{"\n", "\r\n"}[rng.IntN(2)])
		}
		m := dayMapping
		m.NegativeRefunds = round%5 != 0
		m.Format.Comment = '#'
		if round%4 == 0 {
			m.Format.TimeLayouts = nil // the defaults: RFC 3339 first, the date third
		}
		if round%5 == 3 {
			m.Format.Location = newYork // dates at midnight there
		}
		text := spread(b.String(), layouts[round/3%len(layouts)]) // each layout with each rate of odd rows
		got, want, gotErr, wantErr := summarizeBoth(t, text, m, asOf, options[round%len(options)])
		require.Equal(t, fmt.Sprint(wantErr), fmt.Sprint(gotErr), "round %d:\n%s", round, text)
		require.Equal(t, want, got, "round %d:\n%s", round, text)
		if wantErr != nil {
			errors++
		} else {
			compared += len(got)
		}
	}
	require.Greater(t, errors, 50)
	require.Greater(t, compared, 5000)

	// One customer's 150 purchases on one day: their spends are summed in
	// the order of their IDs as text (line-10 before line-9).
	var b strings.Builder
	b.WriteString("customer,day,amount\n")
	for i := range 150 {
		fmt.Fprintf(&b, "c1,2025-03-04,%d.%02d\n", 1+i%7, (i*37)%100)
	}
	fmt.Fprintf(&b, "c1,2025-05-04,0.10\n")
	sums := sameSummaries(t, b.String(), dayMapping, asOf, nil)
	require.Len(t, sums, 1)
	require.Equal(t, 151, sums[0].Count)

	// Other mappings, read by the reader throughout.
	semicolon := dayMapping
	semicolon.Format.Delimiter = ';'
	semicolon.Format.DecimalComma = true
	sameSummaries(t, "customer;day;amount\nc1;2025-03-04;1,50\nc1;2025-04-04;2,50\n", semicolon, asOf, nil)
	badHeader := dayMapping
	badHeader.Columns.Amount = csvimport.ColumnNamed("price")
	sameSummaries(t, "customer,day,amount\nc1,2025-03-04,1.50\n", badHeader, asOf, nil)
}

var newYork = func() *time.Location {
	if loc, err := time.LoadLocation("America/New_York"); err == nil {
		return loc
	}
	return time.FixedZone("UTC-5", -5*3600)
}()

// Reading ahead or not, a reader's error, a reader's panic and the
// context's end mid-file are errors of Summarize, the reader's as the
// transaction reader gives them; the context's is context.Canceled.
func TestSummarizeWhenReadingFails(t *testing.T) {
	file := threeADay(30_000)
	asOf := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	for _, way := range everyWay(5) {
		restore := csvimport.SetSummarizeWay(way.ahead, way.rows)
		failing := func() io.Reader {
			return io.MultiReader(strings.NewReader(file[:400_000]), iotest.ErrReader(errors.New("disk gone")))
		}
		_, want := scoring.Summarize(context.Background(), csvimport.NewTransactionReader(failing(), dayMapping).All(), asOf, nil)
		require.ErrorContains(t, want, "disk gone")
		_, err := csvimport.Summarize(context.Background(), failing(), dayMapping, asOf, nil)
		require.Equal(t, want.Error(), fmt.Sprint(err), "ahead %v", way.ahead)

		_, err = csvimport.Summarize(context.Background(), panicky{strings.NewReader(file)}, dayMapping, asOf, nil)
		require.ErrorContains(t, err, "reading panicked", "ahead %v", way.ahead)

		ctx, cancel := context.WithCancel(context.Background())
		_, err = csvimport.Summarize(ctx, cancelling{strings.NewReader(file), cancel, 300_000}, dayMapping, asOf, nil)
		require.ErrorIs(t, err, context.Canceled, "ahead %v", way.ahead)
		restore()
	}
}

// cancelling ends a context once its reader has given at bytes.
type cancelling struct {
	r      *strings.Reader
	cancel context.CancelFunc
	at     int64
}

func (c cancelling) Read(b []byte) (int, error) {
	if c.r.Size()-int64(c.r.Len()) >= c.at {
		c.cancel()
	}
	return c.r.Read(b)
}

// Summarize stops when its context ends.
func TestSummarizeCancelled(t *testing.T) {
	var b strings.Builder
	b.WriteString("customer,day,amount\n")
	for i := range 20_000 {
		fmt.Fprintf(&b, "c%05d,2025-03-04,1.00\n", i)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := csvimport.Summarize(ctx, strings.NewReader(b.String()), dayMapping, time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC), nil)
	require.ErrorIs(t, err, context.Canceled)
}

// FuzzSummarize: on any text, Summarize gives what the reader into
// scoring.Summarize gives.
func FuzzSummarize(f *testing.F) {
	for _, s := range []string{"customer,day,amount\nc1,2025-03-04,1.50\nc1,2025-03-05,-0.50\n", "customer,day,amount\nc1,2025-03-04,\"1.50\"\n", "x"} {
		f.Add(s)
		for _, l := range layouts[1:] { // the header places the columns
			f.Add(spread(s, l))
		}
	}
	asOf := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, text string) {
		sameSummaries(t, text, dayMapping, asOf, nil)
	})
}

// A line past MaxRecordBytes after 50,000 good rows — without a newline,
// then the rest of a large file — is an error naming its line in every
// way Summarize reads, and reading stops there: neither the line nor the
// rest is held.
func TestSummarizeLongLineIsBounded(t *testing.T) {
	head := threeADay(50_000)
	asOf := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	for _, way := range everyWay(7) {
		restore := csvimport.SetSummarizeWay(way.ahead, way.rows)
		long := &repeatReader{line: []byte("x"), n: 3 << 20}
		body := &repeatReader{line: []byte("c99999,2025-01-10,1.00\n"), n: 1_000_000}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := csvimport.Summarize(context.Background(), io.MultiReader(strings.NewReader(head), long, body), dayMapping, asOf, nil)
		runtime.ReadMemStats(&after)
		restore()
		var re *csvimport.RowError
		require.ErrorAs(t, err, &re, "ahead %v", way.ahead)
		require.Equal(t, 50_002, re.Line)
		require.ErrorContains(t, err, "MaxRecordBytes")
		require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(48<<20), "allocated, ahead %v", way.ahead)
		require.Equal(t, 1_000_000, body.n, "nothing read past the long line, ahead %v", way.ahead)
	}
}
