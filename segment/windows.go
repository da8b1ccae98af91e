package segment

import (
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
)

// WindowMeasure is what a window measures of a customer's transactions.
type WindowMeasure string

// Window measures.
const (
	WindowPurchases  WindowMeasure = "purchases"  // how many purchases (a Number)
	WindowSpend      WindowMeasure = "spend"      // spend net of refunds (a Number)
	WindowCategories WindowMeasure = "categories" // the categories bought (a StringSet)
	WindowChannels   WindowMeasure = "channels"   // the channels bought on (a StringSet)
	// From the touchpoints (Scores.Touchpoints):
	WindowContacts    WindowMeasure = "contacts"     // how many touchpoints (a Number)
	WindowLastContact WindowMeasure = "last_contact" // the newest touchpoint's time (a Time; missing for none)
)

// Window is a behaviour field: a measure of a customer's transactions (or
// touchpoints) in the Days before the observation time ("at least 6 purchases in the last
// 365 days", "spent at least 500 in the last 90", "bought shoes"). Windows
// are declared once in the schema (Schema.WithWindows) and computed by
// Profiles in its one pass over customers and their transactions; in SQL
// they are columns like any other field.
type Window struct {
	// Name is the field's name ("purchases_365d").
	Name string `json:"name"`
	// Measure is what it counts or sums.
	Measure WindowMeasure `json:"measure"`
	// Days is the window's length; 0 is every transaction before the
	// observation time.
	Days int `json:"days"`
	// Category, when set, looks only at line items of the category: the
	// purchases with one, their spend.
	Category string `json:"category,omitempty"`
}

func (w Window) fieldType() Type {
	switch w.Measure {
	case WindowCategories, WindowChannels:
		return StringSet
	case WindowLastContact:
		return Time
	}
	return Number
}

// onTouchpoints says the window reads touchpoints, not transactions.
func (w Window) onTouchpoints() bool {
	return w.Measure == WindowContacts || w.Measure == WindowLastContact
}

func (w Window) describe() string {
	what := map[WindowMeasure]string{WindowPurchases: "purchases", WindowSpend: "spend net of refunds", WindowCategories: "categories bought",
		WindowChannels: "channels bought on", WindowContacts: "touchpoints", WindowLastContact: "the last touchpoint"}[w.Measure]
	if w.Category != "" {
		what += " in category " + w.Category
	}
	if w.Days == 0 {
		return what + ", ever"
	}
	return fmt.Sprintf("%s in the last %d days", what, w.Days)
}

// WithWindows returns a schema with behaviour fields: a Number field for
// each purchases or spend window, a StringSet for each categories or
// channels window. Profiles fills them from Scores.Transactions.
func (s *Schema) WithWindows(ws ...Window) (*Schema, error) {
	var errs []error
	fields := make([]Field, 0, len(ws))
	for i, w := range ws {
		switch {
		case !slices.Contains([]WindowMeasure{WindowPurchases, WindowSpend, WindowCategories, WindowChannels, WindowContacts, WindowLastContact}, w.Measure):
			errs = append(errs, &crm.FieldError{Field: fmt.Sprintf("windows[%d] %q.measure", i, w.Name), Problem: fmt.Sprintf("%q is not purchases, spend, categories, channels, contacts or last_contact", w.Measure)})
		case w.Days < 0:
			errs = append(errs, &crm.FieldError{Field: fmt.Sprintf("windows[%d] %q.days", i, w.Name), Problem: "negative"})
		case w.Category != "" && (w.Measure == WindowChannels || w.onTouchpoints()):
			errs = append(errs, &crm.FieldError{Field: fmt.Sprintf("windows[%d] %q.category", i, w.Name), Problem: fmt.Sprintf("a %s window takes no category", w.Measure)})
		}
		fields = append(fields, Field{Name: w.Name, Type: w.fieldType(), Description: w.describe()})
	}
	if len(errs) > 0 {
		return nil, &crm.ValidationError{Package: "segment", What: "windows", Problems: errs}
	}
	out, err := s.With(fields...)
	if err != nil {
		return nil, err
	}
	out.windows = append(slices.Clone(s.windows), ws...)
	return out, nil
}

// Windows lists the schema's behaviour fields.
func (s *Schema) Windows() []Window { return slices.Clone(s.windows) }

// windowing computes a schema's windows from the transaction stream,
// which it reads alongside the customer stream: both come by customer ID.
type windowing struct {
	windows []Window
	pos     []int // each window's schema position
	next    func() (crm.Transaction, error, bool)
	stop    func()
	tx      crm.Transaction
	err     error
	ok      bool
	last    string    // the last customer asked about, to see the order
	asOf    time.Time // the cutoffs are for this observation time
	cutoff  []time.Time
	// The touchpoint stream, when a window reads it.
	tpNext func() (crm.Touchpoint, error, bool)
	tpStop func()
	tp     crm.Touchpoint
	tpErr  error
	tpOK   bool
	latest []time.Time
	// One customer's running figures, reused: counts, sums in millionths
	// (big ones in decimals), sets.
	counts []int
	micros []int64
	big    []decimal.Decimal
	sets   [][]string
}

func newWindowing(s *Schema, txs iter.Seq2[crm.Transaction, error], tps iter.Seq2[crm.Touchpoint, error]) (*windowing, error) {
	if len(s.windows) == 0 {
		return nil, nil
	}
	var onTx, onTp string
	for _, win := range s.windows {
		if win.onTouchpoints() {
			onTp = win.Name
		} else {
			onTx = win.Name
		}
	}
	if onTx != "" && txs == nil {
		return nil, fmt.Errorf("segment: profiles: the windowed field %s needs Scores.Transactions, which is nil: %w", onTx, crm.ErrInvalid)
	}
	if onTp != "" && tps == nil {
		return nil, fmt.Errorf("segment: profiles: the windowed field %s needs Scores.Touchpoints, which is nil: %w", onTp, crm.ErrInvalid)
	}
	n := len(s.windows)
	w := &windowing{windows: s.windows, cutoff: make([]time.Time, n), counts: make([]int, n), micros: make([]int64, n), big: make([]decimal.Decimal, n),
		sets: make([][]string, n), latest: make([]time.Time, n)}
	for _, win := range s.windows {
		w.pos = append(w.pos, s.index[win.Name])
	}
	if onTx != "" {
		w.next, w.stop = iter.Pull2(txs)
		w.tx, w.err, w.ok = w.next()
	}
	if onTp != "" {
		w.tpNext, w.tpStop = iter.Pull2(tps)
		w.tp, w.tpErr, w.tpOK = w.tpNext()
	}
	return w, nil
}

// close stops the streams.
func (w *windowing) close() {
	if w.stop != nil {
		w.stop()
	}
	if w.tpStop != nil {
		w.tpStop()
	}
}

// fill sets the windows of customer id's profile from their transactions
// before asOf.
func (w *windowing) fill(p *Profile, id string, asOf time.Time) error {
	if w.last != "" && id <= w.last {
		return fmt.Errorf("segment: profiles: customer %q after %q: windowed fields need the customers by ID, as the stores stream them: %w", id, w.last, crm.ErrInvalid)
	}
	w.last = id
	if !asOf.Equal(w.asOf) {
		w.asOf = asOf
		for i, win := range w.windows {
			w.cutoff[i] = asOf.AddDate(0, 0, -win.Days)
		}
	}
	for i := range w.windows {
		w.counts[i], w.micros[i], w.big[i], w.sets[i], w.latest[i] = 0, 0, decimal.Decimal{}, w.sets[i][:0], time.Time{}
	}
	for w.tpNext != nil && w.tpOK && w.tpErr == nil && w.tp.CustomerID <= id {
		tp := &w.tp
		if tp.CustomerID == id && tp.Time.Before(asOf) {
			for i, win := range w.windows {
				if !win.onTouchpoints() || (win.Days > 0 && tp.Time.Before(w.cutoff[i])) {
					continue
				}
				w.counts[i]++
				if tp.Time.After(w.latest[i]) {
					w.latest[i] = tp.Time
				}
			}
		}
		w.tp, w.tpErr, w.tpOK = w.tpNext()
	}
	if w.tpErr != nil {
		return w.tpErr
	}
	for w.next != nil && w.ok && w.err == nil && w.tx.CustomerID <= id {
		tx := &w.tx
		if tx.CustomerID == id && tx.Time.Before(asOf) {
			for i, win := range w.windows {
				if win.onTouchpoints() || (win.Days > 0 && tx.Time.Before(w.cutoff[i])) {
					continue
				}
				w.add(i, win, tx)
			}
		}
		w.tx, w.err, w.ok = w.next()
	}
	if w.err != nil {
		return w.err
	}
	for i, win := range w.windows {
		sl := &p.slots[w.pos[i]]
		switch win.Measure {
		case WindowPurchases, WindowContacts:
			*sl = slot{num: float64(w.counts[i]), ok: true}
		case WindowLastContact:
			*sl = slot{}
			if !w.latest[i].IsZero() {
				*sl = slot{num: timeSeconds(w.latest[i]), ok: true}
			}
		case WindowSpend:
			v := float64(w.micros[i]) / 1e6
			if !w.big[i].IsZero() {
				v = w.big[i].Add(decimal.New(w.micros[i], -6)).InexactFloat64()
			}
			*sl = slot{num: v, ok: true}
		default:
			set := w.sets[i]
			slices.Sort(set)
			p.setStrings(sl, slices.Clone(slices.Compact(set)))
		}
	}
	return nil
}

// maxMicros bounds the amounts summed as int64 millionths, so that no sum
// of a customer's transactions can overflow; larger ones go to decimals.
const maxMicros = 1 << 50

// addAmount adds sign × coefficient × 10^exp × quantity to window i.
func (w *windowing) addAmount(i int, d decimal.Decimal, qty int64, neg bool) {
	if exp := int(d.Exponent()); exp >= -6 && exp <= 6 && d.NumDigits() <= 18 && qty > 0 && qty < 1<<10 {
		m, fits := d.CoefficientInt64(), true
		for e := 0; e < exp+6 && fits; e++ {
			fits = m > -maxMicros && m < maxMicros
			m *= 10
		}
		if fits && m > -maxMicros && m < maxMicros {
			m *= qty
			if neg {
				m = -m
			}
			w.micros[i] += m
			return
		}
	}
	v := d.Mul(decimal.NewFromInt(qty))
	if neg {
		v = v.Neg()
	}
	w.big[i] = w.big[i].Add(v)
}

// add counts one transaction into window i.
func (w *windowing) add(i int, win Window, tx *crm.Transaction) {
	neg := tx.Kind == crm.Refund
	switch win.Measure {
	case WindowPurchases:
		if tx.Kind != crm.Purchase {
			return
		}
		if win.Category == "" || slices.ContainsFunc(tx.Items, func(it crm.LineItem) bool { return it.Category == win.Category }) {
			w.counts[i]++
		}
	case WindowSpend:
		if win.Category == "" {
			w.addAmount(i, tx.Amount, 1, neg)
			return
		}
		for _, it := range tx.Items {
			if it.Category == win.Category {
				w.addAmount(i, it.UnitPrice, int64(it.Quantity), neg)
			}
		}
	case WindowCategories:
		if tx.Kind != crm.Purchase {
			return
		}
		for _, it := range tx.Items {
			if it.Category != "" && (win.Category == "" || it.Category == win.Category) && !slices.Contains(w.sets[i], it.Category) {
				w.sets[i] = append(w.sets[i], it.Category)
			}
		}
	case WindowChannels:
		if tx.Kind == crm.Purchase && tx.Channel != "" && !slices.Contains(w.sets[i], string(tx.Channel)) {
			w.sets[i] = append(w.sets[i], string(tx.Channel))
		}
	}
}
