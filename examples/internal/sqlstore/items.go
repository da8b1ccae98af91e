package sqlstore

import (
	"encoding/json"
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
)

// decodeItems reads a transaction's line items as the store writes them
// (json.Marshal of []crm.LineItem: objects with "sku", "category" when
// set, "quantity" and "unit_price" as a quoted decimal, in that order).
// That shape, with no escape in a string, is read directly — encoding/json
// was most of the cost of streaming transactions — and anything else by
// json.Unmarshal, so the result is always json.Unmarshal's.
func decodeItems(b []byte) ([]crm.LineItem, error) {
	if items, ok := fastItems(b); ok {
		return items, nil
	}
	var items []crm.LineItem
	err := json.Unmarshal(b, &items)
	return items, err
}

// fastItems parses the store's own shape of items; ok is false for any
// other input, which json.Unmarshal then reads.
func fastItems(b []byte) (items []crm.LineItem, ok bool) {
	p := itemParser{b: b}
	if !p.byte('[') {
		return nil, false
	}
	if p.byte(']') {
		return []crm.LineItem{}, p.i == len(b)
	}
	for {
		var it crm.LineItem
		if !p.byte('{') || !p.key("sku") {
			return nil, false
		}
		if it.SKU, ok = p.str(); !ok || !p.byte(',') {
			return nil, false
		}
		if p.peekKey("category") {
			p.key("category")
			if it.Category, ok = p.str(); !ok || !p.byte(',') {
				return nil, false
			}
		}
		if !p.key("quantity") {
			return nil, false
		}
		if it.Quantity, ok = p.int(); !ok || !p.byte(',') || !p.key("unit_price") {
			return nil, false
		}
		price, ok := p.str()
		if !ok || !p.byte('}') {
			return nil, false
		}
		var err error
		if it.UnitPrice, err = decimal.NewFromString(price); err != nil {
			return nil, false
		}
		items = append(items, it)
		if p.byte(']') {
			return items, p.i == len(b)
		}
		if !p.byte(',') {
			return nil, false
		}
	}
}

type itemParser struct {
	b []byte
	i int
}

// byte consumes c if it is next.
func (p *itemParser) byte(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// peekKey reports whether "name": is next.
func (p *itemParser) peekKey(name string) bool {
	end := p.i + len(name) + 3
	return end <= len(p.b) && p.b[p.i] == '"' && string(p.b[p.i+1:p.i+1+len(name)]) == name && p.b[end-2] == '"' && p.b[end-1] == ':'
}

// key consumes "name":.
func (p *itemParser) key(name string) bool {
	if !p.peekKey(name) {
		return false
	}
	p.i += len(name) + 3
	return true
}

// str consumes a string with no escape and no control character.
func (p *itemParser) str() (string, bool) {
	if !p.byte('"') {
		return "", false
	}
	start := p.i
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c == '"':
			s := string(p.b[start:p.i])
			p.i++
			return s, true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return "", false // escapes and non-ASCII (json replaces invalid UTF-8): json.Unmarshal reads them
		}
		p.i++
	}
	return "", false
}

// int consumes an integer as encoding/json reads one into an int.
func (p *itemParser) int() (int, bool) {
	start := p.i
	if p.i < len(p.b) && p.b[p.i] == '-' {
		p.i++
	}
	digits := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	if p.i == digits || (p.b[digits] == '0' && p.i-digits > 1) {
		return 0, false // no digits, or a leading zero JSON does not allow
	}
	if p.i < len(p.b) && (p.b[p.i] == '.' || p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		return 0, false
	}
	n, err := strconv.Atoi(string(p.b[start:p.i]))
	return n, err == nil
}
