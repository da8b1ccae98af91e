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

// windowing computes a schema's windows from the transaction and
// touchpoint streams while Profiles reads the customers: a goroutine per
// stream sums each customer's records and hands the figures over in
// batches, so the windows cost the profile pass little more than the
// streams themselves, on another core.
type windowing struct {
	windows []Window
	pos     []int  // each window's schema position
	last    string // the last customer asked about, to see the order
	feeds   []*feed
	done    chan struct{}
}

// figures are a batch of customers' figures: customer k's figure of
// window i at k·len(windows)+i.
type figures struct {
	ids   []string
	nums  []float64
	sets  [][]string
	times []time.Time
}

// feed is one stream's figures, as its goroutine hands them over.
type feed struct {
	rows  chan *figures
	err   error // set before rows is closed
	batch *figures
	next  int
	ended bool
}

// feedBatch is how many customers' figures a feed hands over at once.
const feedBatch = 256

func newWindowing(s *Schema, txs iter.Seq2[crm.Transaction, error], tps iter.Seq2[crm.Touchpoint, error], asOf time.Time) (*windowing, error) {
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
	w := &windowing{windows: s.windows, done: make(chan struct{})}
	for _, win := range s.windows {
		w.pos = append(w.pos, s.index[win.Name])
	}
	if onTx != "" {
		f := &feed{rows: make(chan *figures, 4)}
		w.feeds = append(w.feeds, f)
		go produce(w, f, txs, asOf, func(tx *crm.Transaction) string { return tx.CustomerID }, func(a *accumulator, tx *crm.Transaction) { a.addTx(tx) })
	}
	if onTp != "" {
		f := &feed{rows: make(chan *figures, 4)}
		w.feeds = append(w.feeds, f)
		go produce(w, f, tps, asOf, func(tp *crm.Touchpoint) string { return tp.CustomerID }, func(a *accumulator, tp *crm.Touchpoint) { a.addTouchpoint(tp) })
	}
	return w, nil
}

// produce reads one stream, sums each customer's records and hands the
// figures over, a batch at a time, until the stream ends or the
// windowing closes.
func produce[T any](w *windowing, f *feed, records iter.Seq2[T, error], asOf time.Time, customer func(*T) string, add func(*accumulator, *T)) {
	defer close(f.rows)
	a := newAccumulator(w.windows, asOf)
	n := len(w.windows)
	fresh := func() *figures {
		return &figures{ids: make([]string, 0, feedBatch), nums: make([]float64, 0, feedBatch*n), sets: make([][]string, 0, feedBatch*n), times: make([]time.Time, 0, feedBatch*n)}
	}
	batch := fresh()
	send := func() bool {
		select {
		case f.rows <- batch:
			batch = fresh()
			return true
		case <-w.done:
			return false
		}
	}
	cur, seen := "", 0
	rec := new(T) // one record at a time, not one allocation each
	for r, err := range records {
		if err != nil {
			f.err = err
			return
		}
		if seen++; seen%1024 == 0 {
			select {
			case <-w.done:
				return
			default:
			}
		}
		*rec = r
		id := customer(rec)
		if id != cur {
			if cur != "" {
				if id < cur {
					f.err = fmt.Errorf("segment: profiles: customer %q's records after %q's: windowed fields need the transactions and touchpoints by customer ID, as the stores stream them: %w", id, cur, crm.ErrInvalid)
					return
				}
				if a.take(cur, batch); len(batch.ids) == feedBatch && !send() {
					return
				}
			}
			cur = id
		}
		add(a, rec)
	}
	if cur != "" {
		a.take(cur, batch)
	}
	if len(batch.ids) > 0 {
		send()
	}
}

// close stops the goroutines.
func (w *windowing) close() { close(w.done) }

// row returns the batch and the position of customer id's figures, or
// nil when the stream has none of the customer's records.
func (f *feed) row(id string) (*figures, int, error) {
	for {
		for f.batch != nil && f.next < len(f.batch.ids) && f.batch.ids[f.next] < id {
			f.next++
		}
		if f.batch != nil && f.next < len(f.batch.ids) {
			if f.batch.ids[f.next] == id {
				return f.batch, f.next, nil
			}
			return nil, 0, nil
		}
		if f.ended {
			return nil, 0, nil
		}
		b, ok := <-f.rows
		if !ok {
			f.ended = true
			if f.err != nil {
				return nil, 0, f.err
			}
			continue
		}
		f.batch, f.next = b, 0
	}
}

// fill sets the windows of customer id's profile.
func (w *windowing) fill(p *Profile, id string) error {
	if w.last != "" && id <= w.last {
		return fmt.Errorf("segment: profiles: customer %q after %q: windowed fields need the customers by ID, as the stores stream them: %w", id, w.last, crm.ErrInvalid)
	}
	w.last = id
	var batches [2]*figures
	var at [2]int
	for k, f := range w.feeds {
		var err error
		if batches[k], at[k], err = f.row(id); err != nil {
			return err
		}
	}
	n := len(w.windows)
	for i, win := range w.windows {
		k := 0
		if len(w.feeds) == 2 && win.onTouchpoints() {
			k = 1
		}
		b, j := batches[k], at[k]*n+i
		sl := &p.slots[w.pos[i]]
		switch win.Measure {
		case WindowPurchases, WindowSpend, WindowContacts:
			*sl = slot{ok: true}
			if b != nil {
				sl.num = b.nums[j]
			}
		case WindowLastContact:
			*sl = slot{}
			if b != nil && !b.times[j].IsZero() {
				*sl = slot{num: timeSeconds(b.times[j]), ok: true}
			}
		default:
			var set []string
			if b != nil {
				set = b.sets[j]
			}
			p.setStrings(sl, set)
		}
	}
	return nil
}

// accumulator sums one customer's records into every window.
type accumulator struct {
	windows []Window
	asOf    time.Time
	cutoff  []time.Time
	counts  []int
	micros  []int64 // sums in millionths
	big     []decimal.Decimal
	sets    [][]string
	latest  []time.Time
}

func newAccumulator(ws []Window, asOf time.Time) *accumulator {
	n := len(ws)
	a := &accumulator{windows: ws, asOf: asOf, cutoff: make([]time.Time, n), counts: make([]int, n), micros: make([]int64, n),
		big: make([]decimal.Decimal, n), sets: make([][]string, n), latest: make([]time.Time, n)}
	for i, w := range ws {
		a.cutoff[i] = asOf.AddDate(0, 0, -w.Days)
	}
	return a
}

// in says whether a record at t falls in window i.
func (a *accumulator) in(i int, t time.Time) bool {
	return t.Before(a.asOf) && (a.windows[i].Days == 0 || !t.Before(a.cutoff[i]))
}

// take adds the customer's figures to the batch and resets the
// accumulator.
func (a *accumulator) take(id string, b *figures) {
	b.ids = append(b.ids, id)
	for i, w := range a.windows {
		num, set, at := 0.0, []string(nil), time.Time{}
		switch w.Measure {
		case WindowPurchases, WindowContacts:
			num = float64(a.counts[i])
		case WindowSpend:
			num = float64(a.micros[i]) / 1e6
			if !a.big[i].IsZero() {
				num = a.big[i].Add(decimal.New(a.micros[i], -6)).InexactFloat64()
			}
		case WindowLastContact:
			at = a.latest[i]
		default:
			if len(a.sets[i]) > 0 {
				slices.Sort(a.sets[i])
				set = slices.Clone(slices.Compact(a.sets[i]))
			}
		}
		b.nums, b.sets, b.times = append(b.nums, num), append(b.sets, set), append(b.times, at)
		a.counts[i], a.micros[i], a.big[i], a.sets[i], a.latest[i] = 0, 0, decimal.Decimal{}, a.sets[i][:0], time.Time{}
	}
}

func (a *accumulator) addTouchpoint(tp *crm.Touchpoint) {
	for i, w := range a.windows {
		if !w.onTouchpoints() || !a.in(i, tp.Time) {
			continue
		}
		a.counts[i]++
		if tp.Time.After(a.latest[i]) {
			a.latest[i] = tp.Time
		}
	}
}

func (a *accumulator) addTx(tx *crm.Transaction) {
	for i, w := range a.windows {
		if w.onTouchpoints() || !a.in(i, tx.Time) {
			continue
		}
		a.add(i, w, tx)
	}
}

// maxMicros bounds the amounts summed as int64 millionths, so that no sum
// of a customer's transactions can overflow; larger ones go to decimals.
const maxMicros = 1 << 50

// addAmount adds sign × coefficient × 10^exp × quantity to window i.
func (a *accumulator) addAmount(i int, d decimal.Decimal, qty int64, neg bool) {
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
			a.micros[i] += m
			return
		}
	}
	v := d.Mul(decimal.NewFromInt(qty))
	if neg {
		v = v.Neg()
	}
	a.big[i] = a.big[i].Add(v)
}

// add counts one transaction into window i.
func (a *accumulator) add(i int, win Window, tx *crm.Transaction) {
	neg := tx.Kind == crm.Refund
	switch win.Measure {
	case WindowPurchases:
		if tx.Kind != crm.Purchase {
			return
		}
		if win.Category == "" || slices.ContainsFunc(tx.Items, func(it crm.LineItem) bool { return it.Category == win.Category }) {
			a.counts[i]++
		}
	case WindowSpend:
		if win.Category == "" {
			a.addAmount(i, tx.Amount, 1, neg)
			return
		}
		for _, it := range tx.Items {
			if it.Category == win.Category {
				a.addAmount(i, it.UnitPrice, int64(it.Quantity), neg)
			}
		}
	case WindowCategories:
		if tx.Kind != crm.Purchase {
			return
		}
		for _, it := range tx.Items {
			if it.Category != "" && (win.Category == "" || it.Category == win.Category) && !slices.Contains(a.sets[i], it.Category) {
				a.sets[i] = append(a.sets[i], it.Category)
			}
		}
	case WindowChannels:
		if tx.Kind == crm.Purchase && tx.Channel != "" && !slices.Contains(a.sets[i], string(tx.Channel)) {
			a.sets[i] = append(a.sets[i], string(tx.Channel))
		}
	}
}
