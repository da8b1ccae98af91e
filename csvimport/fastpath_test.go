package csvimport

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/internal/calendar"
)

// TestParseDateIsTimeParse: wherever parseDate answers, time.Parse gives
// the same time in the same location; and it answers for every real
// date, so the fast path is the one taken.
func TestParseDateIsTimeParse(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		ny = time.FixedZone("UTC-5", -5*3600)
	}
	check := func(s string, loc *time.Location) bool {
		got, ok := parseDate(s, loc)
		want, err := time.ParseInLocation(dateLayout, s, loc)
		if ok {
			require.NoError(t, err, s)
			require.True(t, got.Equal(want), "%s: %v, time.Parse %v", s, got, want)
			require.Equal(t, want.Location(), got.Location(), s)
		}
		return ok
	}
	taken := 0
	for _, loc := range []*time.Location{time.UTC, ny} {
		for _, y := range []int{0, 1, 1582, 1900, 1970, 2000, 2023, 2024, 2100, 9999} {
			for m := 0; m <= 13; m++ {
				for d := 0; d <= 32; d++ {
					s := fmt.Sprintf("%04d-%02d-%02d", y, m, d)
					real := m >= 1 && m <= 12 && d >= 1 && d <= calendar.DaysIn(y, time.Month(m))
					ok := check(s, loc)
					require.Equal(t, real, ok, "%s: a real date takes the fast path, nothing else does", s)
					if ok {
						taken++
					}
				}
			}
		}
	}
	require.Greater(t, taken, 7000)
	// Every year, where the calendar turns.
	for y := range 10000 {
		for _, md := range []string{"01-01", "02-28", "02-29", "03-01", "12-31"} {
			s := fmt.Sprintf("%04d-%s", y, md)
			require.Equal(t, md != "02-29" || y%4 == 0 && (y%100 != 0 || y%400 == 0), check(s, time.UTC), s)
		}
	}
	// Near misses: every one left to time.Parse (or read the same).
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := "0123456789-+ T:/a"
	for range 200_000 {
		b := []byte("2024-02-29")
		for range 1 + r.IntN(3) {
			switch k := r.IntN(3); {
			case k == 0 && len(b) > 0:
				b[r.IntN(len(b))] = alphabet[r.IntN(len(alphabet))]
			case k == 1 && len(b) > 0:
				i := r.IntN(len(b))
				b = append(b[:i], b[i+1:]...)
			default:
				b = append(b, alphabet[r.IntN(len(alphabet))])
			}
		}
		check(string(b), time.UTC)
	}
}

// TestPlainDecimalIsNewFromString: wherever plainDecimal answers, it is
// decimal.NewFromString's coefficient and exponent.
func TestPlainDecimalIsNewFromString(t *testing.T) {
	for _, s := range []string{"0", "-0", "12.50", "007", "0.000", "-1.5", "123456789012345678", "12345678901234567.8", "999999999999999999"} {
		d, ok := plainDecimal(s)
		require.True(t, ok, s)
		samePlain(t, s, d)
	}
	for _, s := range []string{"", "-", ".", "5.", ".5", "-.5", "1.2.3", "+5", "1e3", "1234567890123456789", " 5", "5 ", "1,5", "--5"} {
		_, ok := plainDecimal(s)
		require.False(t, ok, "%q is left to NewFromString", s)
	}
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := "0123456789.-"
	for range 300_000 {
		b := make([]byte, 1+r.IntN(22))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
			if r.IntN(3) > 0 {
				b[i] = '0' + byte(r.IntN(10))
			}
		}
		if d, ok := plainDecimal(string(b)); ok {
			samePlain(t, string(b), d)
		}
	}
}

func samePlain(t *testing.T, s string, d decimal.Decimal) {
	t.Helper()
	want, err := decimal.NewFromString(s)
	require.NoError(t, err, s)
	require.Equal(t, want.Exponent(), d.Exponent(), s)
	require.Zero(t, want.Coefficient().Cmp(d.Coefficient()), "%s: %s, NewFromString %s", s, d.Coefficient(), want.Coefficient())
}

// FuzzPlainDecimal: the same, on the fuzzer's strings.
func FuzzPlainDecimal(f *testing.F) {
	for _, s := range []string{"12.50", "-0.5", "1e3", "5.", "999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, ok := plainDecimal(s); ok {
			samePlain(t, s, d)
		}
	})
}

// rowsOf reads every row of text with format f, by the line splitter when
// split (and the format allows it) or by encoding/csv alone: each record
// and its line and last line, each error and the line it names.
func rowsOf(text string, f Format, split bool) []string {
	rs := newRows(strings.NewReader(text), f)
	if !split && rs.split != nil {
		rs.split = nil
		rs.useCSV(csv.NewReader(rs.limit))
	}
	var out []string
	for range 10_000 {
		rec, err := rs.next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			out = append(out, fmt.Sprintf("error at line %d: %v", rs.line, err))
			if rs.done {
				return out
			}
			continue
		}
		out = append(out, fmt.Sprintf("lines %d-%d: %q", rs.line, rs.lastLine, rec))
	}
	return append(out, "too many rows")
}

// sameRows checks that the line splitter reads text as encoding/csv does.
func sameRows(t *testing.T, text string, f Format) {
	t.Helper()
	require.Equal(t, rowsOf(text, f, false), rowsOf(text, f, true), "%q with %+v", text, f)
}

// TestLineSplitterIsEncodingCSV: the line splitter gives the records,
// lines and errors encoding/csv gives, on random text made of the pieces
// that matter to either — delimiters, quote marks (after which
// encoding/csv reads), \r, \n, comments, blanks, bytes that are not
// UTF-8 — and on the cases written out.
func TestLineSplitterIsEncodingCSV(t *testing.T) {
	formats := []Format{{}, {Delimiter: ';'}, {Delimiter: '\t', Comment: '#'}, {Comment: '#'}}
	for _, text := range []string{"", "\n", "a", "a,b\n", "a,b\r\n", "a,b\r", "a\rb,c\n", "\r\n\r\n", "a,,b,\n,\n", "# c,d\na\n",
		" #x\n", "a,b\n\"q\",c\nd\n", "a\n\"open\n", "x\"y,z\n", "\xff,a\n", "a\n\xc3\n", "\ufeffa,b\n", "a,b\n\n\nc\n"} {
		for _, f := range formats {
			sameRows(t, text, f)
		}
	}
	rng := rand.New(rand.NewPCG(8, 8))
	pieces := []string{"a", "bc", "12.50", ",", ";", "\t", "\n", "\r\n", "\r", "\"", "#", " ", "\xff", "é", "\"x,\ny\""}
	for range 20_000 {
		var b strings.Builder
		for range rng.IntN(30) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		sameRows(t, b.String(), formats[rng.IntN(len(formats))])
	}
	// A line past MaxRecordBytes: refused by both, at the same line.
	long := "a,b\n" + strings.Repeat("x", MaxRecordBytes+8192) + "\nc\n"
	got := rowsOf(long, Format{}, true)
	require.Equal(t, []string{`lines 1-1: ["a" "b"]`, "error at line 2: " + (&RowError{Line: 2, Err: errRecordTooLong}).Error()}, got)
	require.Equal(t, rowsOf(long, Format{}, false), got)
}

// FuzzLineSplitter: the same, on the fuzzer's text.
func FuzzLineSplitter(f *testing.F) {
	for _, s := range []string{"a,b\r\nc", "x\"y\n", "# c\n\n\"q\nz\",1\n"} {
		f.Add(s, uint8(0))
	}
	formats := []Format{{}, {Delimiter: ';'}, {Delimiter: '\t', Comment: '#'}, {Comment: '#'}}
	f.Fuzz(func(t *testing.T, text string, k uint8) {
		sameRows(t, text, formats[int(k)%len(formats)])
	})
}

// quoteOrHigh answers as a byte-by-byte look would, at every length and
// every place of the byte looked for (and past eight bytes, where it
// reads a word at a time).
func TestQuoteOrHigh(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	alphabet := []byte{'a', ',', '"', 0x80, 0xff, 0x21, 0x23, 0x7f, 0x01, 0x00, 0xa2}
	for range 50_000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = 'x'
			if rng.IntN(12) == 0 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			}
		}
		wantQuote, wantHigh := false, false
		for _, c := range b {
			wantQuote = wantQuote || c == '"'
			wantHigh = wantHigh || c >= 0x80
		}
		quote, high := quoteOrHigh(b)
		require.Equal(t, [2]bool{wantQuote, wantHigh}, [2]bool{quote, high}, "%q", b)
	}
}

// amountFits is what crm.Transaction.Validate says of the amount, on
// coefficients of 1 to 18 digits, with and without trailing zeros.
func TestAmountFits(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 100_000 {
		coef := rng.Int64N(int64(math.Pow10(1 + rng.IntN(18))))
		if rng.IntN(4) == 0 {
			coef -= coef % int64(math.Pow10(rng.IntN(4))) // trailing zeros
		}
		frac := int32(rng.IntN(20))
		tx := crm.Transaction{ID: "t", CustomerID: "c", Time: at, Amount: decimal.New(coef, -frac), Currency: "USD", Kind: crm.Purchase}
		require.Equal(t, tx.Validate() == nil, amountFits(coef, frac), "%d·10^-%d: %v", coef, frac, tx.Validate())
	}
}

// commas finds what a byte-by-byte look finds, at every length and
// place, among bytes past ASCII (a byte that differs from the delimiter
// only in its top bit is not the delimiter), for every count asked.
func TestCommas(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	for range 50_000 {
		comma := []byte{',', ';', '\t', '|'}[rng.IntN(4)]
		alphabet := []byte{comma, comma, comma ^ 0x80, comma + 1, comma - 1, 0, 0xff, 0x80, '"'}
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = 'x'
			if rng.IntN(4) == 0 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			}
		}
		want := []int{}
		for i, c := range b {
			if c == comma {
				want = append(want, i)
			}
		}
		at := make([]int, 1+rng.IntN(maxWordCells))
		n := commas(b, comma, at)
		require.Equal(t, want[:min(len(want), len(at))], at[:n], "%q, %d asked", b, len(at))
	}
}
