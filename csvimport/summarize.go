package csvimport

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"math/bits"
	"strconv"
	"strings"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/scoring"
)

// Summarize reads transactions from r with mapping m and summarises them
// as of asOf: the summaries and the errors of
//
//	scoring.Summarize(ctx, csvimport.NewTransactionReader(r, m).All(), asOf, options)
//
// without a crm.Transaction per row where it can. A row of the common
// shape — IDs from line numbers, the mapping's one currency, an amount
// with a point and at most 18 digits, a date in the 2006-01-02 layout
// first among the format's layouts, a customer ID of printable ASCII,
// cells without surrounding blanks, no quote marks, comma-free decimals
// and no thousands separator — goes to the summaries as its parts
// (scoring.Summarizer.AddParts); any other row is read and checked as
// TransactionReader reads it, and from the first line with a quote mark
// on, every row is. The input is read once, in order, on the caller's
// goroutine (or, for a mapping that allows no row of the common shape,
// ahead on another, as All reads); memory grows with the number of
// customers, as Summarize's.
func Summarize(ctx context.Context, r io.Reader, m TransactionMapping, asOf time.Time, options *scoring.SummaryOptions) ([]scoring.Summary, error) {
	z, err := scoring.NewSummarizer(asOf, options)
	if err != nil {
		return nil, err
	}
	tr := NewTransactionReader(r, m)
	if err := tr.start(); err != nil {
		return nil, err
	}
	f, fast := tr.fastSummary()
	if !fast { // no row of the common shape: the reader, reading ahead
		return scoring.Summarize(ctx, tr.All(), asOf, options)
	}
	for n := 1; ; n++ {
		if n%8192 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		var tx crm.Transaction
		if split := tr.rows.split; split != nil {
			text, line, quoted, err := split.nextLine()
			if err == nil && quoted == nil {
				if ok, err := f.add(z, text, line); ok || err != nil {
					if err != nil {
						return nil, err
					}
					continue
				}
			}
			// Not of the common shape: as TransactionReader reads it.
			var rec []string
			if err == nil && quoted == nil {
				rec = split.split(text)
			}
			if rec, err = tr.rows.splitResult(rec, line, quoted, err); err == io.EOF {
				break
			} else if err != nil {
				return nil, err
			}
			if tx, err = tr.parse(rec); err != nil {
				return nil, err
			}
		} else {
			if tx, err = tr.Read(); err == io.EOF {
				break
			} else if err != nil {
				return nil, err
			}
		}
		if err := z.Add(&tx); err != nil {
			return nil, err
		}
	}
	// One goroutine: reading ahead on a second (as All does) was tried,
	// and handing the rows over cost more than it saved.
	return z.Summaries()
}

// fastRows is what Summarize needs to read a row of the common shape.
type fastRows struct {
	customer, time, amount int // the columns, from 0
	last                   int // the largest of them
	comma                  byte
	loc                    *time.Location
	currency               string
	places                 int32
	negativeRefunds        bool
	prefix                 string
	// current is the customer of the last row, reused while rows stay
	// with that customer; ids holds the IDs of lines [idFrom, idFrom+256)
	// in one string, each row's ID a slice of it.
	current string
	ids     string
	idAt    [257]int
	idFrom  int
}

// fastSummary reports whether the mapping lets Summarize read rows of the
// common shape, and how.
func (tr *TransactionReader) fastSummary() (*fastRows, bool) {
	f, rs, idx := tr.m.Format, tr.rows, tr.idx
	layouts := f.TimeLayouts
	switch {
	case rs.split == nil, f.DecimalComma, f.ThousandsSeparator != 0,
		idx[0] >= 0, idx[4] >= 0, idx[5] >= 0, idx[6] >= 0, idx[1] < 0, idx[2] < 0, idx[3] < 0,
		len(layouts) > 0 && layouts[0] != dateLayout, // the defaults cannot read a bare date but as the third does
		!crm.ValidCurrency(tr.m.Currency), !plainText(tr.m.IDPrefix) || len(tr.m.IDPrefix) > 200:
		return nil, false
	}
	places, known := crm.MinorUnits(tr.m.Currency)
	if !known {
		places = -1
	}
	loc := f.Location
	if loc == nil {
		loc = time.UTC
	}
	return &fastRows{customer: idx[1], time: idx[2], amount: idx[3], last: max(idx[1], idx[2], idx[3]), comma: rs.split.comma,
		loc: loc, currency: tr.m.Currency, places: places, negativeRefunds: tr.m.NegativeRefunds, prefix: tr.m.IDPrefix, idFrom: -1}, true
}

// plainText reports whether s is printable ASCII without blanks — what
// crm accepts as an ID at once (and a non-empty one is an ID).
func plainText[S text](s S) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// add adds the row of line when it is of the common shape (ok), or
// reports that it is not, leaving it to the reader.
func (f *fastRows) add(z *scoring.Summarizer, text []byte, line int) (ok bool, err error) {
	var cells [3][]byte
	if f.last < maxWordCells {
		var cut [maxWordCells + 1]int // cut[k+1] ends cell k, which begins after cut[k]
		cut[0] = -1
		if n := commas(text, f.comma, cut[1:f.last+2]); n < f.last {
			return false, nil // too few cells
		} else if n == f.last {
			cut[n+1] = len(text)
		}
		cells[0] = text[cut[f.customer]+1 : cut[f.customer+1]]
		cells[1] = text[cut[f.time]+1 : cut[f.time+1]]
		cells[2] = text[cut[f.amount]+1 : cut[f.amount+1]]
	} else {
		for k := 0; k <= f.last; k++ {
			i := bytes.IndexByte(text, f.comma)
			cell := text
			if i >= 0 {
				cell, text = text[:i], text[i+1:]
			} else if k < f.last {
				return false, nil // too few cells
			}
			switch k {
			case f.customer:
				cells[0] = cell
			case f.time:
				cells[1] = cell
			case f.amount:
				cells[2] = cell
			}
		}
	}
	// Each test below also refuses a cell with a blank, or any other byte
	// TrimSpace could take, at either end.
	customer, day, amount := cells[0], cells[1], cells[2]
	if len(customer) == 0 || len(customer) > 256 || !plainText(customer) {
		return false, nil
	}
	at, year, ok := parseDateYear(day, f.loc)
	if !ok || year < 1 || at.IsZero() { // what Validate refuses (the date's year is the time's, at midnight)
		return false, nil
	}
	coef, frac, ok := plainCoef(amount)
	if !ok || f.places != 3 && looksGrouped(amount, '.') {
		return false, nil
	}
	refund := coef < 0
	if refund {
		if !f.negativeRefunds {
			return false, nil
		}
		coef = -coef
	}
	if !amountFits(coef, frac) {
		return false, nil
	}
	if string(customer) != f.current {
		f.current = string(customer)
	}
	return true, z.AddParts(f.current, f.id(line), at, coef, -frac, refund, f.currency)
}

// maxWordCells bounds the cells add finds by commas: rows whose columns
// go further are split a cell at a time.
const maxWordCells = 8

// commas writes the places of the first len(at) delimiters of text into
// at and returns how many it found, reading eight bytes at a time.
func commas(text []byte, comma byte, at []int) int {
	const lows, highs = 0x7f7f7f7f7f7f7f7f, 0x8080808080808080
	pattern := uint64(comma) * 0x0101010101010101
	n, base := 0, 0
	for ; len(text)-base >= 8; base += 8 {
		v := binary.LittleEndian.Uint64(text[base:]) ^ pattern
		// 0x80 in each byte that is zero in v, and only there (no carry
		// crosses a byte: (v&0x7f)+0x7f ≤ 0xfe).
		for m := ^((v&lows + lows) | v | lows); m != 0; m &= m - 1 {
			at[n] = base + bits.TrailingZeros64(m)>>3
			if n++; n == len(at) {
				return n
			}
		}
	}
	for i := base; i < len(text); i++ {
		if text[i] == comma {
			at[n] = i
			if n++; n == len(at) {
				return n
			}
		}
	}
	return n
}

// amountFits reports whether coef·10^-frac is within crm.MaxAmountDigits
// whole digits and crm.MaxAmountPlaces decimal places, as
// crm.Transaction.Validate counts them.
func amountFits(coef int64, frac int32) bool {
	if coef == 0 || coef < 1e15 && frac <= crm.MaxAmountPlaces { // at most 15 digits, 12 of them places
		return true
	}
	digits, trailing := 0, 0
	for c := coef; c != 0; c /= 10 {
		if digits == trailing && c%10 == 0 {
			trailing++
		}
		digits++
	}
	return int64(digits)-int64(frac) <= crm.MaxAmountDigits && int64(frac)-int64(trailing) <= crm.MaxAmountPlaces
}

// id is the ID TransactionReader gives the row of line: the prefix and
// the line number, a slice of one string made for 256 lines at a time,
// each number written by counting up from the one before.
func (f *fastRows) id(line int) string {
	if k := line - f.idFrom; f.idFrom >= 0 && k >= 0 && k < 256 {
		return f.ids[f.idAt[k]:f.idAt[k+1]]
	}
	var digits [20]byte
	num := strconv.AppendInt(digits[:0], int64(line), 10)
	var b strings.Builder // its String is the bytes written, not a copy
	b.Grow(256 * (len(f.prefix) + len(num) + 1))
	for k := range 256 {
		f.idAt[k] = b.Len()
		b.WriteString(f.prefix)
		b.Write(num)
		num = increment(num)
	}
	f.idAt[256] = b.Len()
	f.ids, f.idFrom = b.String(), line
	return f.ids[f.idAt[0]:f.idAt[1]]
}

// increment adds 1 to the decimal number num (digits, no sign), in place
// unless it gains a digit.
func increment(num []byte) []byte {
	for i := len(num) - 1; i >= 0; i-- {
		if num[i] != '9' {
			num[i]++
			return num
		}
		num[i] = '0'
	}
	return append([]byte{'1'}, num...)
}
