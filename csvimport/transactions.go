package csvimport

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/internal/calendar"

	"github.com/shopspring/decimal"
)

// Column picks a CSV column by header name or by 1-based position. The zero
// Column means "not mapped".
type Column struct {
	Name  string // header name; needs Format.Header
	Index int    // 1-based position; used when Name is empty
}

// ColumnNamed returns the column whose header is name.
func ColumnNamed(name string) Column { return Column{Name: name} }

// ColumnAt returns the column at 1-based position i.
func ColumnAt(i int) Column { return Column{Index: i} }

func (c Column) mapped() bool { return c.Name != "" || c.Index != 0 }

func (c Column) String() string {
	if c.Name != "" {
		return strconv.Quote(c.Name)
	}
	return "#" + strconv.Itoa(c.Index)
}

// Format describes the shape of a delimited text file.
type Format struct {
	// Delimiter separates fields: ',' (the default when 0), ';', '\t' or any
	// other rune. Fields may be quoted as in RFC 4180.
	Delimiter rune
	// Whitespace, when true, splits fields on runs of spaces and tabs
	// instead (as in fixed-width exports such as CDNOW's); quoting is not
	// recognised and leading or trailing blanks are ignored.
	Whitespace bool
	// Header says the first non-blank line names the columns.
	Header bool
	// Comment, when not 0, starts a line that is skipped.
	Comment rune
	// TimeLayouts are tried in order (time.Parse layouts). Default:
	// RFC 3339, "2006-01-02 15:04:05", "2006-01-02".
	TimeLayouts []string
	// Location is the time zone of times without an offset; nil is UTC.
	Location *time.Location
	// DecimalComma reads "12,50" as 12.50. Without ThousandsSeparator, a
	// "." in a number is then refused.
	DecimalComma bool
	// ThousandsSeparator, when not 0, is the digit-group separator numbers
	// may use: '.' or ' ' with DecimalComma ("1.234,50"), ',' or ' '
	// without ("1,234.50"); '\'' and '_' work with either. Groups must be
	// of three digits ("1.23,5" is refused), and the separator must differ
	// from the decimal mark.
	//
	// It also settles an ambiguity: without it, a number such as "12,345"
	// in a decimal-comma file (or "12.345" in a decimal-point one) — one to
	// three digits, the mark, then exactly three digits — is refused as
	// ambiguous unless its currency has three decimal places (KWD, BHD…),
	// since it reads as 12.345 under one convention and 12345 under the
	// other. Declaring the separator says which convention the file uses.
	ThousandsSeparator rune
}

// decimalMark returns the format's decimal separator.
func (f Format) decimalMark() byte {
	if f.DecimalComma {
		return ','
	}
	return '.'
}

func (f Format) validate(p *problems) {
	switch sep := f.ThousandsSeparator; {
	case sep == 0:
	case sep == rune(f.decimalMark()):
		p.add("format.thousands_separator", "%q is also the decimal mark", sep)
	case !strings.ContainsRune(".,' _", sep):
		p.add("format.thousands_separator", "%q is not one of . , ' _ or space", sep)
	}
	if f.Whitespace && f.Delimiter != 0 {
		p.add("format", "whitespace and delimiter are exclusive")
	}
	if f.Whitespace && f.ThousandsSeparator == ' ' {
		p.add("format.thousands_separator", "a space cannot group digits when fields are split on spaces")
	}
}

// RowError reports a malformed row: its line, and when known the column and
// the offending text. It wraps ErrInvalid.
type RowError struct {
	// Line is the 1-based line in the input.
	Line int
	// Column is the column's header name as written in the file (no quote
	// marks), or empty when the file has no header or the whole row is bad.
	Column string
	// Index is the column's 1-based position, as in ColumnAt; 0 when the
	// whole row is bad.
	Index int
	// Value is the offending text, when there is one.
	Value string
	// Err says what is wrong.
	Err error
}

func (e *RowError) Error() string {
	s := "csvimport: line " + strconv.Itoa(e.Line)
	switch {
	case e.Column != "":
		s += ", column " + strconv.Quote(e.Column)
	case e.Index > 0:
		s += ", column " + strconv.Itoa(e.Index)
	}
	if e.Value != "" {
		s += fmt.Sprintf(" (%q)", truncate(e.Value, 40))
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the cause and ErrInvalid.
func (e *RowError) Unwrap() []error { return []error{e.Err, crm.ErrInvalid} }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// rows splits input into records with their line numbers.
type rows struct {
	r      io.Reader
	format Format
	csv    *csv.Reader
	lines  *bufio.Scanner
	line   int
	fields []string
	header []string
	done   bool
	limit  *recordLimit
	// lastLine is where the last record's last field began.
	lastLine int
	// split reads rows without quote marks, until the first with one;
	// csv reads from there, its lines shifted by offset.
	split  *lineSplitter
	offset int
}

// MaxRecordBytes bounds one record (one line, or several when a quoted
// field spans lines): a longer one — most often an opening quote never
// closed — is an error naming the line it starts on, and reading stops
// there rather than holding the rest of the file in memory.
const MaxRecordBytes = 1 << 20

// MaxNumberLength bounds the text of an amount or price (after grouping
// marks are removed); longer numbers are refused before they are parsed.
const MaxNumberLength = 64

// recordLimit counts the bytes the CSV reader takes since its last
// complete record, and fails past MaxRecordBytes (plus the reader's
// 4 KiB read-ahead).
type recordLimit struct {
	r    io.Reader
	n    int
	over bool
}

var errRecordTooLong = fmt.Errorf("a record longer than MaxRecordBytes (%d bytes): is a quote never closed?", MaxRecordBytes)

func (l *recordLimit) Read(p []byte) (int, error) {
	if l.n > MaxRecordBytes+4096 {
		l.over = true
		return 0, errRecordTooLong
	}
	n, err := l.r.Read(p)
	l.n += n
	return n, err
}

// skipBOM drops a UTF-8 byte-order mark (Excel's "CSV UTF-8") from the
// start of r, so that a quoted first header reads as quoted.
func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\uFEFF" {
		_, _ = br.Discard(3)
	}
	return br
}

func newRows(r io.Reader, f Format) *rows {
	rs := &rows{format: f, r: r}
	if r == nil {
		return rs // refused by the reader's setup
	}
	r = skipBOM(r)
	if f.Whitespace {
		rs.lines = bufio.NewScanner(r)
		rs.lines.Buffer(make([]byte, 64*1024), MaxRecordBytes)
		return rs
	}
	rs.limit = &recordLimit{r: r}
	if fastSplit(f) {
		rs.split = &lineSplitter{br: bufio.NewReaderSize(r, 64<<10), comma: ',', comment: byte(f.Comment)}
		if f.Delimiter != 0 {
			rs.split.comma = byte(f.Delimiter)
		}
		return rs
	}
	rs.useCSV(csv.NewReader(rs.limit))
	return rs
}

// useCSV makes c the reader of the rows, with the format's settings.
func (rs *rows) useCSV(c *csv.Reader) {
	rs.csv = c
	if rs.format.Delimiter != 0 {
		c.Comma = rs.format.Delimiter
	}
	c.Comment = rs.format.Comment
	c.FieldsPerRecord = -1
	c.ReuseRecord = true
}

// nextSplit is next while the line splitter reads.
func (rs *rows) nextSplit() ([]string, error) {
	return rs.splitResult(rs.split.next())
}

// splitResult is next's answer for what the line splitter returned.
func (rs *rows) splitResult(rec []string, line int, quoted []byte, err error) ([]string, error) {
	switch {
	case err == io.EOF:
		rs.done = true
		return nil, io.EOF
	case err == errRecordTooLong:
		rs.done = true
		rs.line = line
		return nil, &RowError{Line: line, Err: err}
	case err == errNotUTF8:
		rs.line = line
		return nil, &RowError{Line: line, Err: err}
	case err != nil:
		rs.done = true
		return nil, err
	case quoted != nil:
		// From this line on, encoding/csv reads: it counts its lines from
		// 1, this line's.
		rs.offset = line - 1
		rs.useCSV(rs.split.csvReader(quoted, rs.limit))
		rs.split = nil
		return rs.next()
	}
	rs.line, rs.lastLine = line, line
	return rec, nil
}

// next returns the next record, io.EOF at the end, or a *RowError for a row
// that cannot be split (reading may continue after it).
func (rs *rows) next() ([]string, error) {
	if rs.done {
		return nil, io.EOF
	}
	if rs.lines != nil {
		for rs.lines.Scan() {
			rs.line++
			text := strings.TrimRight(rs.lines.Text(), "\r")
			if !utf8.ValidString(text) {
				return nil, &RowError{Line: rs.line, Err: errors.New("not valid UTF-8")}
			}
			if rs.format.Comment != 0 && strings.HasPrefix(strings.TrimLeftFunc(text, unicode.IsSpace), string(rs.format.Comment)) {
				continue
			}
			rs.fields = strings.Fields(text)
			if len(rs.fields) == 0 {
				continue
			}
			return rs.fields, nil
		}
		rs.done = true
		if err := rs.lines.Err(); err != nil {
			return nil, &RowError{Line: rs.line + 1, Err: err}
		}
		return nil, io.EOF
	}
	if rs.split != nil {
		return rs.nextSplit()
	}
	rec, err := rs.csv.Read()
	if err == io.EOF {
		rs.done = true
		return nil, io.EOF
	}
	if rs.limit.over {
		// The record began on the line after the last one read.
		rs.done = true
		rs.line = rs.lastLine + 1
		return nil, &RowError{Line: rs.line, Err: errRecordTooLong}
	}
	rs.limit.n = 0
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			rs.line = pe.Line + rs.offset
			return nil, &RowError{Line: rs.line, Err: fmt.Errorf("column %d: %w", pe.Column, pe.Err)}
		}
		rs.done = true
		return nil, err
	}
	rs.line, _ = rs.csv.FieldPos(0)
	rs.lastLine, _ = rs.csv.FieldPos(len(rec) - 1)
	rs.line += rs.offset
	rs.lastLine += rs.offset
	for _, f := range rec {
		if !utf8.ValidString(f) {
			return nil, &RowError{Line: rs.line, Err: errors.New("not valid UTF-8")}
		}
	}
	return rec, nil
}

// readHeader consumes the header line when the format has one.
func (rs *rows) readHeader() error {
	if !rs.format.Header {
		return nil
	}
	rec, err := rs.next()
	if err == io.EOF {
		return &RowError{Line: 1, Err: errors.New("no header line")}
	}
	if err != nil {
		return err
	}
	rs.header = make([]string, len(rec))
	for i, h := range rec {
		rs.header[i] = strings.TrimSpace(h)
	}
	return nil
}

// resolve maps a Column to a 0-based index, or -1 when unmapped.
func (rs *rows) resolve(field string, c Column) (int, error) {
	switch {
	case !c.mapped():
		return -1, nil
	case c.Name != "":
		if rs.header == nil {
			return 0, &crm.FieldError{Field: field, Problem: fmt.Sprintf("column %s is named but the format has no header", c)}
		}
		for i, h := range rs.header {
			if h == c.Name {
				return i, nil
			}
		}
		return 0, &crm.FieldError{Field: field, Problem: fmt.Sprintf("no column %s in header %q", c, rs.header)}
	case c.Index < 1:
		return 0, &crm.FieldError{Field: field, Problem: fmt.Sprintf("column position %d is not 1 or more", c.Index)}
	}
	return c.Index - 1, nil
}

// cellError reports a bad value in the 0-based column i of the current row.
// Names are looked up only here, when something is wrong.
func (rs *rows) cellError(i int, value string, err error) *RowError {
	e := &RowError{Line: rs.line, Index: i + 1, Value: value, Err: err}
	if i < len(rs.header) {
		e.Column = rs.header[i]
	}
	return e
}

// field returns record[i] trimmed, or a *RowError naming the column when the
// record is too short to have it.
func (rs *rows) field(rec []string, i int) (string, error) {
	if i >= len(rec) {
		return "", rs.cellError(i, "", fmt.Errorf("row has %d fields", len(rec)))
	}
	return strings.TrimSpace(rec[i]), nil
}

func (rs *rows) parseTime(s string) (time.Time, error) {
	layouts := rs.format.TimeLayouts
	if len(layouts) == 0 {
		layouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02"}
	}
	loc := rs.format.Location
	if loc == nil {
		loc = time.UTC
	}
	for _, l := range layouts {
		if l == dateLayout {
			if t, ok := parseDate(s, loc); ok {
				return t, nil
			}
		}
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	quoted := make([]string, len(layouts))
	for i, l := range layouts {
		quoted[i] = strconv.Quote(l)
	}
	return time.Time{}, fmt.Errorf("not a time in layout %s", strings.Join(quoted, " or "))
}

// dateLayout is the layout parseDate reads without time.Parse.
const dateLayout = "2006-01-02"

// parseDate reads a date in dateLayout — what time.ParseInLocation
// returns for it — when s is one: four digits, a dash, a month 01–12, a
// dash, a day that month has. Anything else is left to time.Parse, for
// its answer and its error.
func parseDate[S text](s S, loc *time.Location) (time.Time, bool) {
	t, _, ok := parseDateYear(s, loc)
	return t, ok
}

// parseDateYear is parseDate with the date's year.
func parseDateYear[S text](s S, loc *time.Location) (time.Time, int, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, 0, false
	}
	_ = s[9]
	// The eight digits less '0', one a byte: each is a digit when no byte
	// is past 15 and none reaches 16 when 6 is added (no carry crosses a
	// byte then).
	w := uint64(s[0]-'0') | uint64(s[1]-'0')<<8 | uint64(s[2]-'0')<<16 | uint64(s[3]-'0')<<24 |
		uint64(s[5]-'0')<<32 | uint64(s[6]-'0')<<40 | uint64(s[8]-'0')<<48 | uint64(s[9]-'0')<<56
	const high, six = 0xf0f0f0f0f0f0f0f0, 0x0606060606060606
	if w&high != 0 || (w+six)&high != 0 {
		return time.Time{}, 0, false
	}
	digit := func(k int) int { return int(w >> (8 * k) & 0xff) }
	y, m, d := digit(0)*1000+digit(1)*100+digit(2)*10+digit(3), digit(4)*10+digit(5), digit(6)*10+digit(7)
	if start, days, ok := calendar.MonthStart(y, time.Month(m)); ok && loc == time.UTC {
		if d < 1 || d > days {
			return time.Time{}, 0, false
		}
		return time.Unix((start+int64(d)-1)*86400, 0).UTC(), y, true
	}
	if m < 1 || m > 12 || d < 1 || d > calendar.DaysIn(y, time.Month(m)) {
		return time.Time{}, 0, false
	}
	if loc == time.UTC {
		return time.Unix(calendar.DaysSinceEpoch(y, time.Month(m), d)*86400, 0).UTC(), y, true // time.Date's value, without its work
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc), y, true
}

// text is what the fast readers take: a string, or the bytes of a line.
type text interface{ ~string | ~[]byte }

// plainDecimal reads s when it is what most amounts are — an optional
// minus, 1 to 18 digits in all, and a point with digits after it — as
// decimal.NewFromString does (the same coefficient and exponent), without
// its big.Int arithmetic; ok is false for anything else.
func plainDecimal(s string) (decimal.Decimal, bool) {
	c, frac, ok := plainCoef(s)
	if !ok {
		return decimal.Decimal{}, false
	}
	return decimal.New(c, -frac), true
}

// plainCoef is plainDecimal's coefficient and number of digits after the
// point.
func plainCoef[S text](s S) (c int64, frac int32, ok bool) {
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	digits, point := 0, -1
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch >= '0' && ch <= '9':
			if digits++; digits > 18 {
				return 0, 0, false
			}
			c = c*10 + int64(ch-'0')
			if point >= 0 {
				frac++
			}
		case ch == '.' && point < 0 && i > 0:
			point = i
		default:
			return 0, 0, false
		}
	}
	if digits == 0 || point >= 0 && frac == 0 {
		return 0, 0, false
	}
	if neg {
		c = -c
	}
	return c, frac, true
}

// parseDecimal reads a number in the format's convention. places is the
// number of decimal places of its currency, or -1 when it has none; a
// number that reads differently under the other convention is refused
// unless it has exactly that many (see Format.ThousandsSeparator).
func (rs *rows) parseDecimal(s string, places int32) (decimal.Decimal, error) {
	f := rs.format
	mark := f.decimalMark()
	if sep := f.ThousandsSeparator; sep != 0 {
		var err error
		if s, err = ungroup(s, sep, mark); err != nil {
			return decimal.Decimal{}, err
		}
	} else if looksGrouped(s, mark) && places != 3 {
		other := ","
		if mark == ',' {
			other = "."
		}
		return decimal.Decimal{}, fmt.Errorf("ambiguous number: three decimal places after %q, or %q grouping thousands (set Format.ThousandsSeparator to say which)", string(mark), other)
	}
	if mark == ',' {
		if strings.Contains(s, ".") {
			return decimal.Decimal{}, errors.New(`not a number: "." in a decimal-comma number (set Format.ThousandsSeparator to '.' if it groups thousands)`)
		}
		s = strings.Replace(s, ",", ".", 1)
	}
	if d, ok := plainDecimal(s); ok { // at most 20 characters, no exponent
		return d, nil
	}
	if len(s) > MaxNumberLength {
		return decimal.Decimal{}, fmt.Errorf("a number of %d characters, more than MaxNumberLength (%d)", len(s), MaxNumberLength)
	}
	if s == "" || strings.ContainsAny(s, "eE") && !isPlainExponent(s) {
		return decimal.Decimal{}, errors.New("not a number")
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, errors.New("not a number")
	}
	return d, nil
}

// looksGrouped reports whether s is one to three digits (not starting with
// 0), the decimal mark and exactly three digits: "12,345" or "1.234", which
// the other convention reads as a whole number.
func looksGrouped[S text](s S, mark byte) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	if len(s) > 0 && s[0] == '+' {
		s = s[1:]
	}
	i := -1
	for j := 0; j < len(s); j++ {
		if s[j] == mark {
			i = j
			break
		}
	}
	if i < 1 || i > 3 || len(s)-i-1 != 3 || s[0] == '0' {
		return false
	}
	for j := 0; j < len(s); j++ {
		if j != i && (s[j] < '0' || s[j] > '9') {
			return false
		}
	}
	return true
}

// ungroup removes the thousands separator sep from s, checking that the
// integer part is grouped in threes and the fraction is not grouped.
func ungroup(s string, sep rune, mark byte) (string, error) {
	if !strings.ContainsRune(s, sep) {
		return s, nil
	}
	sign := ""
	if s != "" && (s[0] == '-' || s[0] == '+') {
		sign, s = s[:1], s[1:]
	}
	whole, frac := s, ""
	if i := strings.IndexByte(s, mark); i >= 0 {
		whole, frac = s[:i], s[i:]
	}
	if strings.ContainsRune(frac, sep) {
		return "", fmt.Errorf("thousands separator %q after the decimal mark", sep)
	}
	groups := strings.Split(whole, string(sep))
	for i, g := range groups {
		if (i == 0 && (len(g) < 1 || len(g) > 3)) || (i > 0 && len(g) != 3) {
			return "", fmt.Errorf("thousands separator %q not between groups of three digits", sep)
		}
	}
	return sign + strings.Join(groups, "") + frac, nil
}

// isPlainExponent accepts scientific notation with a small exponent, so that
// a hostile "1e999999999" cannot make the parser allocate without bound.
func isPlainExponent(s string) bool {
	i := strings.IndexAny(s, "eE")
	e, err := strconv.Atoi(s[i+1:])
	return err == nil && e > -100 && e < 100
}

// TransactionColumns maps transaction fields to columns. CustomerID, Time
// and Amount are required; the others are optional.
type TransactionColumns struct {
	// ID, CustomerID, Time, Amount, Currency, Kind and Channel are the
	// transaction's fields.
	ID, CustomerID, Time, Amount, Currency, Kind, Channel Column
}

// TransactionMapping describes how to read transactions from a file.
type TransactionMapping struct {
	// Format is how the file is written.
	Format Format
	// Columns map the transaction's fields to columns.
	Columns TransactionColumns
	// Currency is used when no Currency column is mapped.
	Currency string
	// IDPrefix makes IDs for files without an ID column: IDPrefix + line
	// number ("line-12" with the default prefix "line-"). The same file read
	// again yields the same IDs, so a repeated import is a no-op; give each
	// file its own prefix.
	IDPrefix string
	// NegativeRefunds reads a negative amount ("-5,00") as a refund of its
	// absolute value, for files that write returns that way and have no
	// Kind column. Without it a negative amount is an error naming the
	// row; with a Kind column it is always one (the column says what is a
	// refund).
	NegativeRefunds bool
}

func (m TransactionMapping) validate() error {
	var p problems
	if !m.Columns.CustomerID.mapped() {
		p.add("columns.customer_id", "must be mapped")
	}
	if !m.Columns.Time.mapped() {
		p.add("columns.time", "must be mapped")
	}
	if !m.Columns.Amount.mapped() {
		p.add("columns.amount", "must be mapped")
	}
	if !m.Columns.Currency.mapped() && !crm.ValidCurrency(m.Currency) {
		p.add("currency", "%q is not an ISO 4217 code and no currency column is mapped", m.Currency)
	}
	m.Format.validate(&p)
	return p.err("transaction CSV mapping")
}

// TransactionReader reads transactions from delimited text, one per row. It
// is not safe for concurrent use.
type TransactionReader struct {
	m    TransactionMapping
	rows *rows
	idx  [7]int // id, customer, time, amount, currency, kind, channel
	// places are the minor units of the last currency read, looked up
	// again when the currency changes.
	places struct {
		currency string
		n        int32
		set      bool
	}
	err  error // a setup error, returned by every Read
	init bool
}

// NewTransactionReader returns a reader of r with mapping m. Mapping
// problems (a missing required column, a header name not in the file) are
// returned by the first Read.
func NewTransactionReader(r io.Reader, m TransactionMapping) *TransactionReader {
	if m.IDPrefix == "" {
		m.IDPrefix = "line-"
	}
	return &TransactionReader{m: m, rows: newRows(r, m.Format)}
}

func (tr *TransactionReader) setup() error {
	if err := tr.m.validate(); err != nil {
		return err
	}
	if tr.rows.r == nil {
		return fmt.Errorf("csvimport: transaction reader: nil io.Reader: %w", crm.ErrInvalid)
	}
	if err := tr.rows.readHeader(); err != nil {
		return err
	}
	c := tr.m.Columns
	names := []string{"id", "customer_id", "time", "amount", "currency", "kind", "channel"}
	var p problems
	for i, col := range []Column{c.ID, c.CustomerID, c.Time, c.Amount, c.Currency, c.Kind, c.Channel} {
		idx, err := tr.rows.resolve("columns."+names[i], col)
		if err != nil {
			p = append(p, err)
		}
		tr.idx[i] = idx
	}
	return p.err("transaction CSV mapping")
}

// start sets the reader up once (the mapping, the header) and returns
// what went wrong, again on every call.
func (tr *TransactionReader) start() error {
	if !tr.init {
		tr.init = true
		tr.err = finalErr(tr.setup())
	}
	return tr.err
}

// Line returns the line number of the row last read.
func (tr *TransactionReader) Line() int { return tr.rows.line }

// Read returns the next transaction, io.EOF after the last, or an error. A
// *RowError (matching ErrInvalid) reports one bad row and reading may go on
// with the next; any other error is final, and so is a problem with the
// header line or the mapping (Read returns it again on every call).
func (tr *TransactionReader) Read() (crm.Transaction, error) {
	if err := tr.start(); err != nil {
		return crm.Transaction{}, err
	}
	rec, err := tr.rows.next()
	if err != nil {
		return crm.Transaction{}, err
	}
	return tr.parse(rec)
}

// All streams the transactions and stops at the first error. It reads
// and parses rows ahead on a goroutine of its own (at most a few thousand
// rows), so that a loop over it runs beside the reading: while it runs,
// Line counts the rows read ahead, not the last one yielded. A loop left
// early waits for the row being read to end; the reader is then where the
// reading stopped.
func (tr *TransactionReader) All() iter.Seq2[crm.Transaction, error] {
	return func(yield func(crm.Transaction, error) bool) {
		a := newAhead(tr.Read)
		defer a.stop()
		for {
			t, err := a.next()
			if err == io.EOF {
				return
			}
			if !yield(t, err) || err != nil {
				return
			}
		}
	}
}

func (tr *TransactionReader) parse(rec []string) (crm.Transaction, error) {
	rs := tr.rows
	var errs []error
	// get returns the trimmed cell of field k, ok false when the field is
	// unmapped or the row too short (the error is recorded).
	get := func(k int) (string, bool) {
		if tr.idx[k] < 0 {
			return "", false
		}
		v, err := rs.field(rec, tr.idx[k])
		if err != nil {
			errs = append(errs, err)
			return "", false
		}
		return v, true
	}
	bad := func(k int, val string, err error) {
		errs = append(errs, rs.cellError(tr.idx[k], val, err))
	}
	t := crm.Transaction{Kind: crm.Purchase, Currency: tr.m.Currency}
	if v, ok := get(0); ok {
		if v == "" {
			bad(0, v, errors.New("empty ID"))
		}
		t.ID = v
	} else if tr.idx[0] < 0 {
		var b [48]byte
		t.ID = string(strconv.AppendInt(append(b[:0], tr.m.IDPrefix...), int64(rs.line), 10)) // one allocation
	}
	if v, ok := get(1); ok {
		if v == "" {
			bad(1, v, errors.New("empty customer ID"))
		}
		t.CustomerID = v
	}
	if v, ok := get(2); ok {
		if ts, err := rs.parseTime(v); err != nil {
			bad(2, v, err)
		} else {
			t.Time = ts
		}
	}
	if v, ok := get(5); ok {
		switch strings.ToLower(v) {
		case "purchase", "sale", "":
			t.Kind = crm.Purchase
		case "refund", "return":
			t.Kind = crm.Refund
		default:
			bad(5, v, errors.New("unknown kind (want purchase or refund)"))
		}
	}
	if v, ok := get(4); ok {
		if v = strings.ToUpper(v); !crm.ValidCurrency(v) {
			bad(4, v, errors.New("not an ISO 4217 currency code"))
		}
		t.Currency = v
	}
	if v, ok := get(3); ok {
		if t.Currency != tr.places.currency || !tr.places.set {
			p, known := crm.MinorUnits(t.Currency)
			if !known {
				p = -1
			}
			tr.places.currency, tr.places.n, tr.places.set = t.Currency, p, true
		}
		places := tr.places.n
		if d, err := rs.parseDecimal(v, places); err != nil {
			bad(3, v, err)
		} else {
			if d.IsNegative() {
				switch {
				case tr.idx[5] >= 0:
					bad(3, v, errors.New("negative amount (the kind column says whether it is a refund)"))
				case !tr.m.NegativeRefunds:
					bad(3, v, errors.New("negative amount (set NegativeRefunds to read it as a refund)"))
				}
				t.Kind, d = crm.Refund, d.Neg()
			}
			t.Amount = d
		}
	}
	if v, ok := get(6); ok && v != "" {
		if ch := crm.Channel(strings.ToLower(v)); ch.Valid() {
			t.Channel = ch
		} else {
			bad(6, v, errors.New("not a channel name"))
		}
	}
	if len(errs) == 0 {
		if err := t.Validate(); err != nil {
			errs = append(errs, &RowError{Line: rs.line, Err: err})
		}
	}
	if len(errs) > 0 {
		if len(errs) == 1 {
			return crm.Transaction{}, errs[0]
		}
		return crm.Transaction{}, errors.Join(errs...)
	}
	return t, nil
}

// Options control Transactions and Customers.
type Options struct {
	// CollectErrors reads the whole input and reports every bad row (up to
	// MaxErrors) instead of stopping at the first.
	CollectErrors bool
	// MaxErrors bounds the rows reported when collecting; default 100.
	MaxErrors int
	// BatchSize, when positive, stores the input in atomic batches of that
	// many records as it is read, so memory stays bounded for huge files. A
	// bad row then stops the import with the earlier batches stored and the
	// failing batch not stored at all; re-running the corrected import is safe
	// because appends are idempotent by ID. When 0 (the default), the whole
	// input is read and checked first and stored in one atomic batch: a bad
	// row means nothing is stored.
	BatchSize int
}

// Result reports what an import read and stored.
type Result struct {
	Rows   int // data rows read
	Stored int // records handed to the store in batches that succeeded
}

// Transactions reads r with mapping m into store. On error nothing of
// the failing batch is stored (see Options.BatchSize); the error lists
// each bad row as a *RowError.
func Transactions(ctx context.Context, store crm.TransactionStore, r io.Reader, m TransactionMapping, options *Options) (Result, error) {
	var opt Options
	if options != nil {
		opt = *options
	}
	if store == nil {
		return Result{}, fmt.Errorf("csvimport: import transactions: nil store: %w", crm.ErrInvalid)
	}
	a := newAhead(NewTransactionReader(r, m).Read)
	defer a.stop()
	return importAll(ctx, opt, a.next, func(batch []crm.Transaction) error {
		return store.AppendTransactions(ctx, batch...)
	})
}

func importAll[T any](ctx context.Context, opt Options, read func() (T, error), store func([]T) error) (Result, error) {
	maxErrs := opt.MaxErrors
	if maxErrs <= 0 {
		maxErrs = 100
	}
	var res Result
	var batch []T
	var errs []error
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := store(batch); err != nil {
			return err
		}
		res.Stored += len(batch)
		batch = batch[:0]
		return nil
	}
	for {
		if res.Rows%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return res, err
			}
		}
		rec, err := read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var f *final
			if !errors.Is(err, crm.ErrInvalid) || errors.As(err, &f) {
				return res, err // I/O, header or mapping failure
			}
			var re *RowError
			if !errors.As(err, &re) {
				return res, err // the mapping itself is wrong
			}
			res.Rows++
			errs = append(errs, err)
			if !opt.CollectErrors || len(errs) >= maxErrs || opt.BatchSize > 0 {
				break
			}
			continue
		}
		res.Rows++
		if len(errs) > 0 {
			continue // keep reading only to report further bad rows
		}
		batch = append(batch, rec)
		if opt.BatchSize > 0 && len(batch) >= opt.BatchSize {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if len(errs) > 0 {
		return res, fmt.Errorf("csvimport: %d bad row(s), failing batch not stored: %w", len(errs), errors.Join(errs...))
	}
	return res, flush()
}

// final marks an error after which reading cannot go on (the header or
// the mapping is wrong), even when it wraps a *RowError.
type final struct{ err error }

func (f *final) Error() string { return f.err.Error() }
func (f *final) Unwrap() error { return f.err }

func finalErr(err error) error {
	if err == nil {
		return nil
	}
	return &final{err}
}

// problems collects every problem with a mapping, reported at once.
type problems []error

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, &crm.FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
}

func (p problems) err(what string) error {
	if len(p) == 0 {
		return nil
	}
	return &crm.ValidationError{Package: "csvimport", What: what, Problems: p}
}
