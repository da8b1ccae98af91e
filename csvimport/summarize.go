package csvimport

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"runtime"
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
// on, every row is.
//
// The input is read once, in order. With more than one processor
// (GOMAXPROCS), a goroutine reads and parses lines ahead, in blocks of
// at most 4,096 rows (and 1 MiB of text of other shapes), at most four
// blocks ahead, while the caller's goroutine summarises them; the lines
// from the first quote mark on are read on the caller's goroutine, as
// are all lines with one processor, and, for a mapping that allows no
// row of the common shape, the reader reads ahead as All does. Memory
// grows with the number of customers, as Summarize's. Summarize returns
// only when nothing reads r any more: a Read that blocks holds it up,
// context or not. A panic in r's Read is an error.
func Summarize(ctx context.Context, r io.Reader, m TransactionMapping, asOf time.Time, options *scoring.SummaryOptions) ([]scoring.Summary, error) {
	return summarize(ctx, r, m, asOf, options)
}

func summarize(ctx context.Context, r io.Reader, m TransactionMapping, asOf time.Time, options *scoring.SummaryOptions) (sums []scoring.Summary, err error) {
	defer func() {
		// A panic in the host's reader is an error, on this goroutine as
		// on the one reading ahead (and as All gives it).
		if r := recover(); r != nil {
			sums, err = nil, fmt.Errorf("csvimport: reading panicked: %v", r)
		}
	}()
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
	run := &summarizing{ctx: ctx, z: z, tr: tr, f: f}
	done := false
	if summarizeAhead() {
		if done, err = run.ahead(); err != nil {
			return nil, err
		}
	}
	if !done {
		if err := run.inTurn(); err != nil {
			return nil, err
		}
	}
	return z.Summaries()
}

// summarizeAhead reports whether Summarize reads ahead: with more than
// one processor, unless a test says otherwise.
var summarizeAhead = func() bool { return runtime.GOMAXPROCS(0) > 1 }

// summarizing is one run of Summarize.
type summarizing struct {
	ctx context.Context
	z   *scoring.Summarizer
	tr  *TransactionReader
	f   *fastRows
}

// inTurn reads the rest of the input on the caller's goroutine.
func (s *summarizing) inTurn() error {
	f, tr := s.f, s.tr
	for n := 1; ; n++ {
		if n%8192 == 0 {
			if err := s.ctx.Err(); err != nil {
				return err
			}
		}
		if split := tr.rows.split; split != nil {
			text, line, quoted, err := split.nextLine()
			if err == nil && quoted == nil {
				if customer, at, coef, frac, refund, ok := f.parse(text); ok {
					if string(customer) != f.current {
						f.current = string(customer)
					}
					if err := s.z.AddParts(f.current, f.id(line), at, coef, -frac, refund, f.currency); err != nil {
						return err
					}
					continue
				}
			}
			if done, err := s.other(text, line, quoted, err); done || err != nil {
				return err
			}
			continue
		}
		tx, err := tr.Read()
		if err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		if err := s.z.Add(&tx); err != nil {
			return err
		}
	}
}

// other takes what the line splitter gave for a line not of the common
// shape — its text, or the line with a quote mark, or an error — as
// TransactionReader reads it; done at the end of the input.
func (s *summarizing) other(text []byte, line int, quoted []byte, err error) (done bool, _ error) {
	var rec []string
	if err == nil && quoted == nil {
		rec = s.tr.rows.split.split(text)
	}
	if rec, err = s.tr.rows.splitResult(rec, line, quoted, err); err == io.EOF {
		return true, nil
	} else if err != nil {
		return false, err
	}
	tx, err := s.tr.parse(rec)
	if err != nil {
		return false, err
	}
	return false, s.z.Add(&tx)
}

// Reading ahead: a goroutine reads lines and parses those of the common
// shape into blocks of rows (32 bytes each, a customer's string made
// once), and the caller's goroutine summarises them, with the other lines
// in their places. The two take about the same time a row.
const (
	aheadRows      = 4096    // rows, and lines of other shapes, a block holds at most
	aheadTextBytes = 1 << 20 // the other lines' text a block holds at most (one line may go past it)
	aheadBlocks    = 4       // blocks read and not yet taken, at most
)

// aheadRowsNow is aheadRows unless a test says otherwise.
var aheadRowsNow = aheadRows

// fastRow is a row of the common shape, read ahead.
type fastRow struct {
	sec         int64 // the date's midnight, seconds since 1970
	coef        int64
	line        int
	frac        int32
	refund      bool
	newCustomer bool // the customer is the block's next in customers, not the row's before
}

// slowLine is a line of another shape, read ahead: it comes before
// rows[at], its text is text[from:to].
type slowLine struct{ at, line, from, to int }

// aheadBlock is what the reading goroutine hands over at a time.
type aheadBlock struct {
	rows      []fastRow
	customers []string
	slow      []slowLine
	text      []byte
	// end is set on the last block: the reading ended at line with the
	// quote mark's line or the error (io.EOF at the end) nextLine gave.
	end    bool
	line   int
	quoted []byte
	err    error
}

// ahead summarises the input as the reading goroutine hands it over,
// until the end (done) or a line with a quote mark, after which inTurn
// reads the rest as encoding/csv reads it.
func (s *summarizing) ahead() (done bool, err error) {
	quit := make(chan struct{})
	full := make(chan *aheadBlock, aheadBlocks)
	free := make(chan *aheadBlock, aheadBlocks+2)
	go s.readAhead(quit, full, free)
	defer func() {
		close(quit)
		for range full { // wait for the goroutine to end: the reader is the caller's again
		}
	}()
	f, current := s.f, ""
	for blk := range full {
		if err := s.ctx.Err(); err != nil {
			return false, err
		}
		c, k := 0, 0
		for i := 0; i <= len(blk.rows); i++ { // i = len(rows): the other lines after the last row
			for ; k < len(blk.slow) && blk.slow[k].at == i; k++ {
				sl := blk.slow[k]
				if _, err := s.other(blk.text[sl.from:sl.to], sl.line, nil, nil); err != nil {
					return false, err
				}
			}
			if i == len(blk.rows) {
				break
			}
			r := &blk.rows[i]
			if r.newCustomer {
				current, c = blk.customers[c], c+1
			}
			// The time parseDateYear gave, rebuilt: the same instant,
			// location and representation.
			if err := s.z.AddParts(current, f.id(r.line), time.Unix(r.sec, 0).In(f.loc), r.coef, -r.frac, r.refund, f.currency); err != nil {
				return false, err
			}
		}
		if blk.end {
			return s.other(nil, blk.line, blk.quoted, blk.err)
		}
		select {
		case free <- blk:
		default:
		}
	}
	return false, errors.New("csvimport: summarize: reading ended without an end") // not reached: the goroutine always ends with an end block
}

// readAhead is the reading goroutine: blocks until the end of the input,
// a line with a quote mark, an error or quit. A panic in the reader comes
// back as an error.
func (s *summarizing) readAhead(quit <-chan struct{}, full chan<- *aheadBlock, free chan *aheadBlock) {
	defer close(full)
	split, f := s.tr.rows.split, s.f
	var blk *aheadBlock
	send := func() bool {
		select {
		case full <- blk:
			return true
		case <-quit:
			return false
		}
	}
	defer func() {
		if r := recover(); r != nil {
			blk.end, blk.line, blk.quoted, blk.err = true, split.line+1, nil, fmt.Errorf("csvimport: reading panicked: %v", r)
			send()
		}
	}()
	current := ""
	for {
		select {
		case blk = <-free:
			blk.rows, blk.customers, blk.slow, blk.text = blk.rows[:0], blk.customers[:0], blk.slow[:0], blk.text[:0]
		default:
			blk = &aheadBlock{rows: make([]fastRow, 0, aheadRowsNow)}
		}
		for n := 0; len(blk.rows) < aheadRowsNow && len(blk.slow) < aheadRowsNow && len(blk.text) <= aheadTextBytes; n++ {
			if n%256 == 255 {
				select {
				case <-quit:
					return
				default:
				}
			}
			text, line, quoted, err := split.nextLine()
			if err != nil || quoted != nil {
				// The quoted line stays valid: nothing reads on until
				// encoding/csv takes it over.
				blk.end, blk.line, blk.quoted, blk.err = true, line, quoted, err
				send()
				return
			}
			customer, at, coef, frac, refund, ok := f.parse(text)
			if !ok {
				from := len(blk.text)
				blk.text = append(blk.text, text...)
				blk.slow = append(blk.slow, slowLine{at: len(blk.rows), line: line, from: from, to: len(blk.text)})
				continue
			}
			r := fastRow{sec: at.Unix(), coef: coef, line: line, frac: frac, refund: refund}
			if string(customer) != current {
				current = string(customer)
				blk.customers = append(blk.customers, current)
				r.newCustomer = true
			}
			blk.rows = append(blk.rows, r)
		}
		if !send() {
			return
		}
	}
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

// parse reads a row of the common shape: its customer (a slice of
// text), time, amount's coefficient and places, and whether it is a
// refund; ok is false for any other row, which is left to the reader.
// It reads only the mapping's settings, never what Summarize changes.
func (f *fastRows) parse(text []byte) (customer []byte, at time.Time, coef int64, frac int32, refund, ok bool) {
	var cells [3][]byte
	if f.last < maxWordCells {
		var cut [maxWordCells + 1]int // cut[k+1] ends cell k, which begins after cut[k]
		cut[0] = -1
		if n := commas(text, f.comma, cut[1:f.last+2]); n < f.last {
			return nil, time.Time{}, 0, 0, false, false // too few cells
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
				return nil, time.Time{}, 0, 0, false, false // too few cells
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
		return nil, time.Time{}, 0, 0, false, false
	}
	at, year, ok := parseDateYear(day, f.loc)
	if !ok || year < 1 || at.IsZero() { // what Validate refuses (the date's year is the time's, at midnight)
		return nil, time.Time{}, 0, 0, false, false
	}
	coef, frac, ok = plainCoef(amount)
	if !ok || f.places != 3 && looksGrouped(amount, '.') {
		return nil, time.Time{}, 0, 0, false, false
	}
	refund = coef < 0
	if refund {
		if !f.negativeRefunds {
			return nil, time.Time{}, 0, 0, false, false
		}
		coef = -coef
	}
	if !amountFits(coef, frac) {
		return nil, time.Time{}, 0, 0, false, false
	}
	return customer, at, coef, frac, refund, true
}

// maxWordCells bounds the cells parse finds by commas: rows whose columns
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
