package segment

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/crmkit/crm"
)

// SyntaxError is a rule text that does not parse: where, what was found and
// what was expected there.
type SyntaxError struct {
	Line, Column int // 1-based; columns count characters
	// Found is the text at the error.
	Found string
	// Expected says what the parser expected there.
	Expected string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("segment: line %d, column %d: expected %s, found %s", e.Line, e.Column, e.Expected, e.Found)
}

// Unwrap returns crm.ErrInvalid.
func (e *SyntaxError) Unwrap() error { return crm.ErrInvalid }

var keywords = map[string]bool{
	"and": true, "or": true, "not": true, "in": true, "between": true, "contains": true, "exists": true,
	"starts_with": true, "within": true, "before": true, "after": true, "true": true, "false": true,
}

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tKeyword
	tNumber
	tString
	tTime
	tDuration
	tPunct // ( ) ,
	tOp    // = != < <= > >=
)

type token struct {
	kind      tokKind
	text      string // source text
	line, col int
	lit       Literal
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "the end of the rule"
	case tIdent:
		return fmt.Sprintf("field name %q", t.text)
	case tKeyword:
		return fmt.Sprintf("%q", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

type lexer struct {
	src       string
	pos       int
	line, col int
}

func (l *lexer) errorf(line, col int, found, expected string) error {
	return &SyntaxError{Line: line, Column: col, Found: found, Expected: expected}
}

func (l *lexer) advance(n int) {
	for _, r := range l.src[l.pos : l.pos+n] {
		if r == '\n' {
			l.line++
			l.col = 1
		} else {
			l.col++
		}
	}
	l.pos += n
}

func (l *lexer) next() (token, error) {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			l.advance(1)
			continue
		}
		break
	}
	t := token{line: l.line, col: l.col}
	if l.pos >= len(l.src) {
		return t, nil
	}
	rest := l.src[l.pos:]
	c := rest[0]
	switch {
	case c == '(' || c == ')' || c == ',':
		t.kind, t.text = tPunct, rest[:1]
	case c == '=' || c == '<' || c == '>' || c == '!':
		n := 1
		if len(rest) > 1 && rest[1] == '=' {
			n = 2
		}
		t.kind, t.text = tOp, rest[:n]
		if t.text == "!" {
			return t, l.errorf(t.line, t.col, `"!"`, `an operator ("!=" rather than "!")`)
		}
	case c == '"':
		end := 1
		for end < len(rest) && rest[end] != '"' {
			if rest[end] == '\\' {
				end++
			}
			end++
		}
		if end >= len(rest) {
			return t, l.errorf(t.line, t.col, "an unterminated string", `a closing '"'`)
		}
		s, err := strconv.Unquote(rest[:end+1])
		if err != nil {
			return t, l.errorf(t.line, t.col, rest[:end+1], "a string in Go syntax")
		}
		t.kind, t.text, t.lit = tString, rest[:end+1], Str(s)
	case c == '@':
		end := 1
		for end < len(rest) && strings.IndexByte("0123456789-:TZ.+", rest[end]) >= 0 {
			end++
		}
		text := rest[:end]
		var tm time.Time
		var err error
		if len(text) == 11 {
			tm, err = time.Parse("2006-01-02", text[1:])
		} else {
			tm, err = time.Parse(time.RFC3339Nano, text[1:])
		}
		if err != nil {
			return t, l.errorf(t.line, t.col, strconv.Quote(text), "a time such as @2024-01-31 or @2024-01-31T09:30:00Z")
		}
		t.kind, t.text, t.lit = tTime, text, TimeLit(tm)
	case c >= '0' && c <= '9' || c == '-' || c == '.':
		end := 0
		if c == '-' {
			end = 1
		}
		for end < len(rest) && (rest[end] >= '0' && rest[end] <= '9' || rest[end] == '.' ||
			(rest[end] == 'e' || rest[end] == 'E') && end+1 < len(rest) && strings.IndexByte("0123456789+-", rest[end+1]) >= 0 ||
			(rest[end] == '+' || rest[end] == '-') && end > 0 && (rest[end-1] == 'e' || rest[end-1] == 'E')) {
			end++
		}
		num := rest[:end]
		v, err := strconv.ParseFloat(num, 64)
		if err != nil || num == "-" {
			return t, l.errorf(t.line, t.col, strconv.Quote(num), "a number")
		}
		t.kind, t.text, t.lit = tNumber, num, Num(v)
		// A unit right after the number makes a duration.
		unitEnd := end
		for unitEnd < len(rest) && isIdentByte(rest[unitEnd]) {
			unitEnd++
		}
		if unit := rest[end:unitEnd]; unit != "" {
			d, ok := durationOf(num, v, unit)
			if !ok {
				return t, l.errorf(t.line, t.col, strconv.Quote(rest[:unitEnd]), "a number, or a duration such as 30d (units ns, ms, s, m, h, d, w)")
			}
			t.kind, t.text, t.lit = tDuration, rest[:unitEnd], Dur(d)
		}
	case isIdentByte(c):
		end := 0
		for end < len(rest) && (isIdentByte(rest[end]) || rest[end] >= '0' && rest[end] <= '9' || rest[end] == '.') {
			end++
		}
		word := rest[:end]
		t.kind, t.text = tIdent, word
		if keywords[word] {
			t.kind = tKeyword
		}
	default:
		r, _ := utf8.DecodeRuneInString(rest)
		return t, l.errorf(t.line, t.col, strconv.QuoteRune(r), "a field, value or operator")
	}
	l.advance(len(t.text))
	return t, nil
}

func isIdentByte(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// durationOf is num (whose value is v) units long. Whole numbers are
// multiplied exactly in integers, so every duration prints and reads back
// to the nanosecond.
func durationOf(num string, v float64, unit string) (time.Duration, bool) {
	for _, u := range durationUnits {
		if u.name == unit {
			if n, err := strconv.ParseInt(num, 10, 64); err == nil {
				d := n * int64(u.d)
				if n != 0 && (d/n != int64(u.d) || d > 1<<62 || d < -(1<<62)) {
					return 0, false
				}
				return time.Duration(d), true
			}
			d := math.Round(v * float64(u.d))
			if d > float64(1<<62) || d < -float64(1<<62) {
				return 0, false
			}
			return time.Duration(d), true
		}
	}
	return 0, false
}

type parser struct {
	lex   lexer
	tok   token
	depth int // "not"s and "("s open around the current token
}

// Parse reads a rule in the text syntax:
//
//	rule      = or
//	or        = and { "or" and }
//	and       = unary { "and" unary }
//	unary     = "not" unary | "(" rule ")" | condition
//	condition = field ( "=" | "!=" | "<" | "<=" | ">" | ">=" ) value
//	          | field ( "before" | "after" ) time
//	          | field "between" value "and" value
//	          | field [ "not" ] "in" "(" [ value { "," value } ] ")"
//	          | field "contains" string
//	          | field "starts_with" string
//	          | field "exists"
//	          | field "within" duration
//	value     = number | string | "true" | "false" | time | duration
//
// Numbers are decimal (3, -2.5, 1e6); strings are double-quoted with Go
// escapes; times are @2024-01-31 or @2024-01-31T09:30:00Z (RFC 3339, any
// offset, kept as UTC); durations are a number and a unit: 90s, 15m, 12h,
// 30d, 2w (also ms and ns). Keywords are lower case. Errors are *SyntaxError values with
// line and column. "not"s and parentheses nest at most MaxDepth deep, and
// so does the rule read.
func Parse(text string) (Rule, error) {
	p := &parser{lex: lexer{src: text, line: 1, col: 1}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	r, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.expected(`"and", "or" or the end of the rule`)
	}
	if tooDeep(r, 0) {
		return nil, &SyntaxError{Line: 1, Column: 1, Found: "a rule nested deeper than that", Expected: fmt.Sprintf("groups nested at most segment.MaxDepth (%d) deep", MaxDepth)}
	}
	return r, nil
}

// nest enters a "not" or "(", refusing to go deeper than MaxDepth before
// recursing, so that no text can exhaust the stack.
func (p *parser) nest() error {
	if p.depth >= MaxDepth {
		return &SyntaxError{Line: p.tok.line, Column: p.tok.col, Found: p.tok.describe(),
			Expected: fmt.Sprintf("\"not\" and \"(\" nested at most segment.MaxDepth (%d) deep", MaxDepth)}
	}
	p.depth++
	return p.advance()
}

func (p *parser) advance() error {
	t, err := p.lex.next()
	p.tok = t
	return err
}

func (p *parser) expected(what string) error {
	return &SyntaxError{Line: p.tok.line, Column: p.tok.col, Found: p.tok.describe(), Expected: what}
}

func (p *parser) isKeyword(k string) bool { return p.tok.kind == tKeyword && p.tok.text == k }

func (p *parser) or() (Rule, error) {
	first, err := p.and()
	if err != nil {
		return nil, err
	}
	rules := []Rule{first}
	for p.isKeyword("or") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	if len(rules) == 1 {
		return first, nil
	}
	return Or{Rules: rules}, nil
}

func (p *parser) and() (Rule, error) {
	first, err := p.unary()
	if err != nil {
		return nil, err
	}
	rules := []Rule{first}
	for p.isKeyword("and") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	if len(rules) == 1 {
		return first, nil
	}
	return And{Rules: rules}, nil
}

func (p *parser) unary() (Rule, error) {
	switch {
	case p.isKeyword("not"):
		if err := p.nest(); err != nil {
			return nil, err
		}
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		p.depth--
		return Not{Rule: r}, nil
	case p.tok.kind == tPunct && p.tok.text == "(":
		if err := p.nest(); err != nil {
			return nil, err
		}
		r, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tPunct || p.tok.text != ")" {
			return nil, p.expected(`")"`)
		}
		p.depth--
		return r, p.advance()
	case p.tok.kind == tIdent:
		return p.condition()
	}
	return nil, p.expected(`a field name, "not" or "("`)
}

func (p *parser) value() (Literal, error) {
	switch p.tok.kind {
	case tNumber, tString, tTime, tDuration:
		lit := p.tok.lit
		return lit, p.advance()
	case tKeyword:
		if p.tok.text == "true" || p.tok.text == "false" {
			lit := BoolLit(p.tok.text == "true")
			return lit, p.advance()
		}
	}
	return Literal{}, p.expected("a value (number, string, true, false, @time or duration)")
}

func (p *parser) stringValue() (string, error) {
	if p.tok.kind != tString {
		return "", p.expected("a string")
	}
	s := p.tok.lit.Str
	return s, p.advance()
}

func (p *parser) condition() (Rule, error) {
	field := p.tok.text
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tOp {
		op := Op(p.tok.text)
		if err := p.advance(); err != nil {
			return nil, err
		}
		v, err := p.value()
		return Compare{Field: field, Op: op, Value: v}, err
	}
	if p.tok.kind != tKeyword {
		return nil, p.expected(`an operator (=, !=, <, <=, >, >=, between, in, not in, contains, starts_with, exists, within, before, after)`)
	}
	kw, kwTok := p.tok.text, p.tok
	if err := p.advance(); err != nil {
		return nil, err
	}
	switch kw {
	case "before", "after":
		if p.tok.kind != tTime {
			return nil, p.expected("a time such as @2024-01-31")
		}
		op := Lt
		if kw == "after" {
			op = Gt
		}
		v, err := p.value()
		return Compare{Field: field, Op: op, Value: v}, err
	case "between":
		lo, err := p.value()
		if err != nil {
			return nil, err
		}
		if !p.isKeyword("and") {
			return nil, p.expected(`"and" (between low and high)`)
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		hi, err := p.value()
		return Between{Field: field, Low: lo, High: hi}, err
	case "not", "in":
		not := kw == "not"
		if not {
			if !p.isKeyword("in") {
				return nil, p.expected(`"in" (not in)`)
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		if p.tok.kind != tPunct || p.tok.text != "(" {
			return nil, p.expected(`"(" to open the list`)
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		in := In{Field: field, Not: not, Values: []Literal{}}
		for !(p.tok.kind == tPunct && p.tok.text == ")") {
			if len(in.Values) > 0 {
				if p.tok.kind != tPunct || p.tok.text != "," {
					return nil, p.expected(`"," or ")"`)
				}
				if err := p.advance(); err != nil {
					return nil, err
				}
			}
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			in.Values = append(in.Values, v)
		}
		return in, p.advance()
	case "contains":
		s, err := p.stringValue()
		return Contains{Field: field, Value: s}, err
	case "starts_with":
		s, err := p.stringValue()
		return StartsWith{Field: field, Prefix: s}, err
	case "exists":
		return Exists{Field: field}, nil
	case "within":
		if p.tok.kind != tDuration {
			return nil, p.expected("a duration such as 30d")
		}
		d := p.tok.lit.Dur
		return Within{Field: field, Last: d}, p.advance()
	}
	return nil, &SyntaxError{Line: kwTok.line, Column: kwTok.col, Found: kwTok.describe(), Expected: "an operator after the field name"}
}
