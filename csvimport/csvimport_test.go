package csvimport_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/csvimport"
	"github.com/crmkit/crm/datasets"
)

// cdnowSample is the mapping for CDNOW_sample.txt: master_id sample_id
// YYYYMMDD n_cds dollars, whitespace-separated, no header.
var cdnowSample = csvimport.TransactionMapping{
	Format:   csvimport.Format{Whitespace: true, TimeLayouts: []string{"20060102"}},
	Columns:  csvimport.TransactionColumns{CustomerID: csvimport.ColumnAt(2), Time: csvimport.ColumnAt(3), Amount: csvimport.ColumnAt(5)},
	Currency: "USD",
}

func countCustomers(t *testing.T, s *crm.MemoryStore) (txs, customers int) {
	t.Helper()
	seen := map[string]bool{}
	for tx, err := range s.Transactions(context.Background()) {
		require.NoError(t, err)
		txs++
		seen[tx.CustomerID] = true
	}
	return txs, len(seen)
}

func TestImportCDNOWSample(t *testing.T) {
	f, err := datasets.FS().Open("cdnow/CDNOW_sample.txt")
	require.NoError(t, err)
	defer f.Close()
	s := crm.NewMemoryStore()
	res, err := csvimport.Transactions(context.Background(), s, f, cdnowSample, nil)
	require.NoError(t, err)
	require.Equal(t, 6919, res.Rows)
	txs, customers := countCustomers(t, s)
	require.Equal(t, 6919, txs)
	require.Equal(t, 2357, customers)
	first, err := s.Transaction(context.Background(), "line-1")
	require.NoError(t, err)
	require.Equal(t, "0001", first.CustomerID)
	require.True(t, first.Time.Equal(time.Date(1997, 1, 1, 0, 0, 0, 0, time.UTC)))
	require.Equal(t, "29.33", first.Amount.String())

	// Importing the same file again is a no-op: IDs come from line numbers.
	again, err := datasets.FS().Open("cdnow/CDNOW_sample.txt")
	require.NoError(t, err)
	defer again.Close()
	_, err = csvimport.Transactions(context.Background(), s, again, cdnowSample, &csvimport.Options{BatchSize: 1000})
	require.NoError(t, err)
	txs, _ = countCustomers(t, s)
	require.Equal(t, 6919, txs)
}

func TestImportCDNOWMaster(t *testing.T) {
	f, err := datasets.FS().Open("cdnow/CDNOW_master.txt")
	require.NoError(t, err)
	defer f.Close()
	m := csvimport.TransactionMapping{
		Format: csvimport.Format{Whitespace: true, Header: true, TimeLayouts: []string{"20060102"}},
		Columns: csvimport.TransactionColumns{CustomerID: csvimport.ColumnNamed("customer_id"), Time: csvimport.ColumnNamed("date"),
			Amount: csvimport.ColumnNamed("dollar_value")},
		Currency: "USD",
	}
	s := crm.NewMemoryStore()
	_, err = csvimport.Transactions(context.Background(), s, f, m, &csvimport.Options{BatchSize: 10_000})
	require.NoError(t, err)
	txs, customers := countCustomers(t, s)
	require.Equal(t, 69659, txs)
	require.Equal(t, 23570, customers)
}

const shopCSV = "id;customer;when;amount;currency;kind;channel\n" +
	"t1;c1;2025-03-01 10:00:00;12,50;eur;purchase;web\n" +
	"t2;c1;2025-03-02 11:00:00;3,00;EUR;refund;store\n" +
	"t3;c2;2025-03-02;100;EUR;;app\n"

var shopMapping = csvimport.TransactionMapping{
	Format: csvimport.Format{Delimiter: ';', Header: true, DecimalComma: true, Location: time.FixedZone("CET", 3600)},
	Columns: csvimport.TransactionColumns{ID: csvimport.ColumnNamed("id"), CustomerID: csvimport.ColumnNamed("customer"), Time: csvimport.ColumnNamed("when"),
		Amount: csvimport.ColumnNamed("amount"), Currency: csvimport.ColumnNamed("currency"), Kind: csvimport.ColumnNamed("kind"), Channel: csvimport.ColumnNamed("channel")},
}

func TestImportSemicolonDecimalCommaHeader(t *testing.T) {
	s := crm.NewMemoryStore()
	res, err := csvimport.Transactions(context.Background(), s, strings.NewReader(shopCSV), shopMapping, nil)
	require.NoError(t, err)
	require.Equal(t, csvimport.Result{Rows: 3, Stored: 3}, res)
	t1, err := s.Transaction(context.Background(), "t1")
	require.NoError(t, err)
	require.True(t, t1.Amount.Equal(decimal.RequireFromString("12.5")))
	require.Equal(t, "EUR", t1.Currency)
	require.True(t, t1.Time.Equal(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)), "local time read in the given zone: %v", t1.Time)
	t2, _ := s.Transaction(context.Background(), "t2")
	require.Equal(t, crm.Refund, t2.Kind)
	require.Equal(t, "-3", t2.SignedAmount().String())
	t3, _ := s.Transaction(context.Background(), "t3")
	require.Equal(t, crm.Purchase, t3.Kind)
	require.Equal(t, crm.ChannelApp, t3.Channel)
}

func TestImportTabAndNegativeAmountIsRefund(t *testing.T) {
	in := "c1\t2025-01-05\t-20.00\nc1\t2025-01-04\t50\n"
	m := csvimport.TransactionMapping{Format: csvimport.Format{Delimiter: '\t'}, Currency: "GBP", IDPrefix: "jan-",
		Columns: csvimport.TransactionColumns{CustomerID: csvimport.ColumnAt(1), Time: csvimport.ColumnAt(2), Amount: csvimport.ColumnAt(3)}}
	s := crm.NewMemoryStore()
	// Not silently: without NegativeRefunds the row is refused.
	_, err := csvimport.Transactions(context.Background(), s, strings.NewReader(in), m, nil)
	var re *csvimport.RowError
	require.ErrorAs(t, err, &re)
	require.Equal(t, 1, re.Line)
	require.Equal(t, 3, re.Index)
	require.ErrorContains(t, err, "set NegativeRefunds")
	m.NegativeRefunds = true
	_, err = csvimport.Transactions(context.Background(), s, strings.NewReader(in), m, nil)
	require.NoError(t, err)
	r, err := s.Transaction(context.Background(), "jan-1")
	require.NoError(t, err)
	require.Equal(t, crm.Refund, r.Kind)
	require.Equal(t, "20", r.Amount.String())
}

func TestImportMalformedRowStoresNothing(t *testing.T) {
	in := shopCSV + "t4;c3;2025-13-45;9,99;EUR;purchase;web\n" + "t5;c3;2025-03-03;abc;EUR;purchase;web\n" + "t6;c3;2025-03-03;1,00;EUR;purchase\n"
	for _, collectAll := range []bool{false, true} {
		s := crm.NewMemoryStore()
		_, err := csvimport.Transactions(context.Background(), s, strings.NewReader(in), shopMapping, &csvimport.Options{CollectErrors: collectAll})
		require.ErrorIs(t, err, crm.ErrInvalid)
		var re *csvimport.RowError
		require.True(t, errors.As(err, &re))
		require.Equal(t, 5, re.Line)
		require.Equal(t, "when", re.Column, "the header name as written, without quote marks")
		require.Equal(t, 3, re.Index)
		require.Contains(t, err.Error(), `line 5, column "when" ("2025-13-45")`)
		if collectAll {
			require.Contains(t, err.Error(), `line 6, column "amount" ("abc"): not a number`)
			require.Contains(t, err.Error(), `line 7, column "channel": row has 6 fields`)
			require.Contains(t, err.Error(), "3 bad row(s)")
		} else {
			require.NotContains(t, err.Error(), "line 6")
		}
		txs, _ := countCustomers(t, s)
		require.Zero(t, txs, "nothing may be stored from a failed import")
	}
}

func TestImportBatchedStopsAtFailingBatch(t *testing.T) {
	var b strings.Builder
	for i := range 25 {
		date := "2025-01-10"
		if i == 17 {
			date = "yesterday"
		}
		b.WriteString("c1," + date + ",1.00\n")
	}
	m := csvimport.TransactionMapping{Currency: "USD", Columns: csvimport.TransactionColumns{CustomerID: csvimport.ColumnAt(1), Time: csvimport.ColumnAt(2), Amount: csvimport.ColumnAt(3)}}
	s := crm.NewMemoryStore()
	res, err := csvimport.Transactions(context.Background(), s, strings.NewReader(b.String()), m, &csvimport.Options{BatchSize: 10})
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.Contains(t, err.Error(), "line 18")
	require.Equal(t, 10, res.Stored, "the complete first batch is stored, the failing second is not")
	txs, _ := countCustomers(t, s)
	require.Equal(t, 10, txs)
}

func TestImportMappingErrors(t *testing.T) {
	s := crm.NewMemoryStore()
	_, err := csvimport.Transactions(context.Background(), s, strings.NewReader("a,b\n"), csvimport.TransactionMapping{}, nil)
	require.ErrorIs(t, err, crm.ErrInvalid)
	for _, f := range []string{"columns.customer_id", "columns.time", "columns.amount", "currency"} {
		require.Contains(t, err.Error(), f)
	}
	m := shopMapping
	m.Columns.Channel = csvimport.ColumnNamed("medium")
	_, err = csvimport.Transactions(context.Background(), s, strings.NewReader(shopCSV), m, nil)
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.Contains(t, err.Error(), `no column "medium"`)
	m = shopMapping
	m.Format.Header = false
	_, err = csvimport.Transactions(context.Background(), s, strings.NewReader(shopCSV), m, nil)
	require.Contains(t, err.Error(), "no header")
}

func TestImportQuotedFieldsAndParseErrors(t *testing.T) {
	in := "id,customer,when,amount\n" + `t1,"Smith, J",2025-01-01,5` + "\n" + `t2,"broken,2025-01-01,5` + "\n"
	m := csvimport.TransactionMapping{Format: csvimport.Format{Header: true}, Currency: "USD",
		Columns: csvimport.TransactionColumns{ID: csvimport.ColumnNamed("id"), CustomerID: csvimport.ColumnNamed("customer"), Time: csvimport.ColumnNamed("when"), Amount: csvimport.ColumnNamed("amount")}}
	r := csvimport.NewTransactionReader(strings.NewReader(in), m)
	tx, err := r.Read()
	require.NoError(t, err)
	require.Equal(t, "Smith, J", tx.CustomerID)
	_, err = r.Read()
	var re *csvimport.RowError
	require.True(t, errors.As(err, &re), "got %v", err)
	require.Equal(t, 3, re.Line)
}

func TestImportCustomers(t *testing.T) {
	in := "id,name,email,since,tags,country,score,member,renewal\n" +
		"c1,Ada,ada@example.com,2024-01-02,vip|golf,gb,712.5,yes,2026-05-31\n" +
		"c2,Bo,,2024-02-03,,,,,\n"
	m := csvimport.CustomerMapping{Format: csvimport.Format{Header: true},
		Columns: csvimport.CustomerColumns{ID: csvimport.ColumnNamed("id"), Name: csvimport.ColumnNamed("name"), Email: csvimport.ColumnNamed("email"),
			CreatedAt: csvimport.ColumnNamed("since"), Tags: csvimport.ColumnNamed("tags"), Country: csvimport.ColumnNamed("country")},
		Attributes: []csvimport.AttributeColumn{{Attribute: "credit_score", Kind: crm.KindNumber, Column: csvimport.ColumnNamed("score")},
			{Attribute: "member", Kind: crm.KindBool, Column: csvimport.ColumnNamed("member")},
			{Attribute: "renewal", Kind: crm.KindTime, Column: csvimport.ColumnNamed("renewal")}}}
	s := crm.NewMemoryStore()
	ctx := context.Background()
	res, err := csvimport.Customers(ctx, s, strings.NewReader(in), m, nil)
	require.NoError(t, err)
	require.Equal(t, 2, res.Stored)
	c1, err := s.Customer(ctx, "c1")
	require.NoError(t, err)
	require.Equal(t, []string{"vip", "golf"}, c1.Tags)
	require.Equal(t, "GB", c1.Demographics.Country)
	score, ok := c1.Attributes["credit_score"].Number()
	require.True(t, ok)
	require.Equal(t, 712.5, score)
	member, _ := c1.Attributes["member"].Bool()
	require.True(t, member)
	c2, _ := s.Customer(ctx, "c2")
	require.Empty(t, c2.Attributes)

	// A second file with one existing ID, one duplicate and one bad row
	// creates nothing.
	in2 := "id,name,email,since,tags,country,score,member,renewal\n" +
		"c3,Cy,,2024-01-02,,,,,\n" + "c1,Ada again,,2024-01-02,,,,,\n" + "c3,Cy twice,,2024-01-02,,,,,\n" + "c4,Di,,2024-01-02,,,,maybe,\n"
	_, err = csvimport.Customers(ctx, s, strings.NewReader(in2), m, &csvimport.Options{CollectErrors: true})
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorIs(t, err, crm.ErrExists)
	for _, want := range []string{"line 3, column \"id\" (\"c1\")", "already stored", "line 4", "duplicate of line 2", "line 5, column \"member\""} {
		require.Contains(t, err.Error(), want)
	}
	_, err = s.Customer(ctx, "c3")
	require.ErrorIs(t, err, crm.ErrNotFound, "a failed customer import created records")
}

func FuzzTransactionReader(f *testing.F) {
	for _, seed := range []string{shopCSV, "c1,2025-01-01,1\n", "\"a\"\"b\",2025-01-01,1e3\n", "x;y\n\n;;;\n", "c,2025-01-01,1e99999999\n", "\uFEFFc,2025-01-01,-0\n", "c,2025-01-01,1,2,3\r\n",
		// Hostile: a stray quote, a BOM before quotes, huge and tiny amounts, far dates.
		"c,2025-01-01,1\n\"c,2025-01-01,1\n", "\uFEFF\"c\",\"2025-01-01\",\"1\"\n", "c,2025-01-01," + strings.Repeat("9", 200) + "\n",
		"c,2025-01-01,1e400\n", "c,2025-01-01,1e-20\n", "c,10000-01-01,1\n", "c,0001-01-01,1\n"} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, in string, whitespace bool) {
		m := csvimport.TransactionMapping{Format: csvimport.Format{Whitespace: whitespace}, Currency: "USD",
			Columns: csvimport.TransactionColumns{CustomerID: csvimport.ColumnAt(1), Time: csvimport.ColumnAt(2), Amount: csvimport.ColumnAt(3)}}
		r := csvimport.NewTransactionReader(strings.NewReader(in), m)
		for range 1000 {
			tx, err := r.Read()
			if err == io.EOF {
				return
			}
			if err != nil {
				var re *csvimport.RowError
				if !errors.As(err, &re) || re.Line < 1 {
					t.Fatalf("error without a line: %v", err)
				}
				continue
			}
			if err := tx.Validate(); err != nil {
				t.Fatalf("reader returned an invalid transaction: %v", err)
			}
		}
	})
}

// Numbers with a declared thousands separator, and the ambiguity of
// "12,345" in a decimal-comma file (12.345 or 12345?) refused unless the
// format says which convention it uses.
func TestImportDecimalCommaAndThousands(t *testing.T) {
	m := func(f csvimport.Format, currency string) csvimport.TransactionMapping {
		f.Delimiter, f.Header = ';', true
		return csvimport.TransactionMapping{Format: f, Currency: currency,
			Columns: csvimport.TransactionColumns{CustomerID: csvimport.ColumnNamed("kunde"), Time: csvimport.ColumnNamed("datum"), Amount: csvimport.ColumnNamed("betrag")}}
	}
	read := func(t *testing.T, mapping csvimport.TransactionMapping, amount string) (crm.Transaction, error) {
		t.Helper()
		in := "kunde;datum;betrag\nk1;2025-03-01;" + amount + "\n"
		tr := csvimport.NewTransactionReader(strings.NewReader(in), mapping)
		return tr.Read()
	}
	comma := csvimport.Format{DecimalComma: true}
	commaDots := csvimport.Format{DecimalComma: true, ThousandsSeparator: '.'}
	point := csvimport.Format{}
	pointCommas := csvimport.Format{ThousandsSeparator: ','}
	for _, c := range []struct {
		name     string
		format   csvimport.Format
		currency string
		in       string
		want     string // "" = refused
		problem  string
	}{
		{"decimal comma", comma, "EUR", "12,50", "12.5", ""},
		{"grouped with dots", commaDots, "EUR", "1.234,50", "1234.5", ""},
		{"grouped, several groups", commaDots, "EUR", "1.234.567,5", "1234567.5", ""},
		{"grouped without decimals", commaDots, "EUR", "1.234", "1234", ""},
		{"dot refused without separator", comma, "EUR", "1.234,50", "", "set Format.ThousandsSeparator to '.'"},
		{"bad grouping", commaDots, "EUR", "12.34,5", "", "groups of three"},
		{"separator in fraction", commaDots, "EUR", "1,234.5", "", "after the decimal mark"},
		{"ambiguous decimal comma", comma, "EUR", "12,345", "", "ambiguous number"},
		{"ambiguous decimal point", point, "USD", "1.234", "", "ambiguous number"},
		{"declared: comma is decimal", commaDots, "EUR", "12,345", "12.345", ""},
		{"declared: point is decimal", pointCommas, "USD", "1.234", "1.234", ""},
		{"grouped with commas", pointCommas, "USD", "12,345.67", "12345.67", ""},
		{"three-decimal currency", comma, "KWD", "12,345", "12.345", ""},
		{"leading zero is not a group", comma, "EUR", "0,125", "0.125", ""},
		{"four decimals are not a group", comma, "EUR", "12,3450", "12.345", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			tx, err := read(t, m(c.format, c.currency), c.in)
			if c.want == "" {
				var re *csvimport.RowError
				require.ErrorAs(t, err, &re, "%q should be refused", c.in)
				require.ErrorIs(t, err, crm.ErrInvalid)
				require.Equal(t, "betrag", re.Column)
				require.Equal(t, c.in, re.Value)
				require.ErrorContains(t, err, c.problem)
				return
			}
			require.NoError(t, err)
			require.True(t, decimal.RequireFromString(c.want).Abs().Equal(tx.Amount), "%q: got %v, want %v", c.in, tx.Amount, c.want)
		})
	}
	// A separator that is also the decimal mark is a mapping error.
	_, err := read(t, m(csvimport.Format{DecimalComma: true, ThousandsSeparator: ','}, "EUR"), "1")
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, "format.thousands_separator")
}
