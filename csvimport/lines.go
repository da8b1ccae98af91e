package csvimport

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"io"
	"unicode/utf8"
)

// lineSplitter splits rows that hold no quote mark at a one-byte
// delimiter, as encoding/csv splits them — the same fields, the same
// lines skipped (empty ones and comments), \r\n read as \n and a \r
// dropped before the end of the input — at a fraction of its cost. At the
// first line with a quote mark it hands that line and the rest of the
// input to an encoding/csv reader, whose line numbers it then shifts by
// the lines read before.
type lineSplitter struct {
	br      *bufio.Reader
	comma   byte
	comment byte // 0: none
	line    int  // lines read
	long    []byte
	record  []string
}

// fastSplit reports whether rows of format f can be split by a
// lineSplitter: a delimiter and comment mark of one byte that encoding/csv
// accepts.
func fastSplit(f Format) bool {
	comma := f.Delimiter
	if comma == 0 {
		comma = ','
	}
	ok := func(r rune) bool { return r > 0 && r < utf8.RuneSelf && r != '"' && r != '\r' && r != '\n' }
	return !f.Whitespace && ok(comma) && (f.Comment == 0 || ok(f.Comment) && f.Comment != comma)
}

// readLine returns the next line with its end of line, or io.EOF; a line
// longer than MaxRecordBytes is errRecordTooLong.
func (s *lineSplitter) readLine() ([]byte, error) {
	line, err := s.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		s.long = append(s.long[:0], line...)
		for err == bufio.ErrBufferFull {
			if len(s.long) > MaxRecordBytes {
				return nil, errRecordTooLong
			}
			line, err = s.br.ReadSlice('\n')
			s.long = append(s.long, line...)
		}
		line = s.long
		if len(line) > MaxRecordBytes {
			return nil, errRecordTooLong
		}
	}
	if len(line) > 0 && err == io.EOF {
		err = nil
	}
	return line, err
}

// next returns the next record and its line, io.EOF at the end, or the
// raw line (with its end of line) that holds a quote mark, for
// encoding/csv to read from; or an error.
func (s *lineSplitter) next() (rec []string, line int, quoted []byte, err error) {
	text, line, quoted, err := s.nextLine()
	if err != nil || quoted != nil {
		return nil, line, quoted, err
	}
	return s.split(text), line, nil, nil
}

// nextLine is next before the split: the record's text, without its end
// of line (valid until the next call).
func (s *lineSplitter) nextLine() (text []byte, line int, quoted []byte, err error) {
	for {
		raw, err := s.readLine()
		if err != nil {
			return nil, s.line + 1, nil, err
		}
		s.line++
		quote, high := quoteOrHigh(raw)
		if quote {
			return nil, s.line, raw, nil
		}
		text := raw
		switch n := len(text); {
		case n >= 2 && text[n-2] == '\r' && text[n-1] == '\n':
			text = text[:n-2]
		case n >= 1 && (text[n-1] == '\n' || text[n-1] == '\r'): // a \r only before the end of the input
			text = text[:n-1]
		}
		if len(text) == 0 || s.comment != 0 && text[0] == s.comment {
			continue
		}
		if high && !utf8.Valid(text) {
			return nil, s.line, nil, errNotUTF8
		}
		return text, s.line, nil, nil
	}
}

// quoteOrHigh reports whether b holds a quote mark, and whether it holds
// a byte past ASCII, reading eight bytes at a time.
func quoteOrHigh(b []byte) (quote, high bool) {
	const ones, highs, quotes = 0x0101010101010101, 0x8080808080808080, 0x2222222222222222
	var acc, q uint64
	for ; len(b) >= 8; b = b[8:] {
		w := binary.LittleEndian.Uint64(b)
		acc |= w
		v := w ^ quotes // a zero byte where w has a quote mark
		q |= (v - ones) &^ v & highs
	}
	for _, c := range b {
		acc |= uint64(c)
		if c == '"' {
			q = 1
		}
	}
	return q != 0, acc&highs != 0
}

// split makes text a record: one string, the fields its slices.
func (s *lineSplitter) split(text []byte) []string {
	str := string(text)
	s.record = s.record[:0]
	for {
		i := bytes.IndexByte(text, s.comma)
		if i < 0 {
			break
		}
		s.record = append(s.record, str[len(str)-len(text):len(str)-len(text)+i])
		text = text[i+1:]
	}
	s.record = append(s.record, str[len(str)-len(text):])
	return s.record
}

var errNotUTF8 = errors.New("not valid UTF-8")

// csvReader returns the encoding/csv reader rows fall back to, reading
// quoted (the line that made the splitter give up) and then the rest.
func (s *lineSplitter) csvReader(quoted []byte, limit *recordLimit) *csv.Reader {
	limit.r = io.MultiReader(bytes.NewReader(bytes.Clone(quoted)), s.br)
	return csv.NewReader(limit)
}
