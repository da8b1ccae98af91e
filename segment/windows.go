package segment

import (
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"
	"time"
	"unsafe"

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
	// From the cases (Scores.Cases):
	WindowOpenCases WindowMeasure = "open_cases" // how many cases are open at the observation time (a Number)
)

// Case is a matter a customer raised — a complaint, an inquiry — from
// when it was opened until it was closed: what the open_cases windows
// count. feedback's items are cases (cycle passes them on); a host's
// ticketing system can be another source.
type Case struct {
	// ID identifies the case.
	ID string `json:"id"`
	// CustomerID is who raised it.
	CustomerID string `json:"customer_id"`
	// Kind is what it is ("complaint", "inquiry"): a window's Category
	// picks one kind.
	Kind string `json:"kind"`
	// Opened is when it was raised.
	Opened time.Time `json:"opened"`
	// Closed is when it was closed; zero while open.
	Closed time.Time `json:"closed,omitzero"`
}

// openAt says whether the case is open at t: opened before it, not
// closed by it.
func (c *Case) openAt(t time.Time) bool {
	return c.Opened.Before(t) && (c.Closed.IsZero() || c.Closed.After(t))
}

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
	// purchases with one, their spend. For open_cases it is the kind of
	// case counted ("complaint"), and Days counts only the cases opened
	// in the last Days.
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

// onCases says the window counts cases.
func (w Window) onCases() bool { return w.Measure == WindowOpenCases }

func (w Window) describe() string {
	if w.onCases() {
		what := "open cases"
		if w.Category != "" {
			what = "open cases of kind " + w.Category
		}
		if w.Days > 0 {
			what += fmt.Sprintf(" opened in the last %d days", w.Days)
		}
		return what
	}
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
// each purchases, spend, contacts or open_cases window, a StringSet for
// each categories or channels window, a Time for last_contact. Profiles
// fills them from Scores.Transactions, Scores.Touchpoints and
// Scores.Cases.
//
// Cost: the windows are summed on a second goroutine while the profiles
// are built, so on two cores five windows (two purchase counts, two
// spends, a category set) take about twice the time of plain profiles
// (BENCHMARKS.md). The first 64 distinct item categories are numbered, so
// that category sets are words of bits and a set many customers have is
// made once and shared by their profiles (read it, copy it to change
// it); categories past the 64th are compared and kept as texts, which
// gives the same figures more slowly. Memory: a batch of 256 customers'
// figures at a time, at most 4,096 shared sets.
func (s *Schema) WithWindows(ws ...Window) (*Schema, error) {
	var errs []error
	fields := make([]Field, 0, len(ws))
	for i, w := range ws {
		switch {
		case !slices.Contains([]WindowMeasure{WindowPurchases, WindowSpend, WindowCategories, WindowChannels, WindowContacts, WindowLastContact, WindowOpenCases}, w.Measure):
			errs = append(errs, &crm.FieldError{Field: fmt.Sprintf("windows[%d] %q.measure", i, w.Name), Problem: fmt.Sprintf("%q is not purchases, spend, categories, channels, contacts, last_contact or open_cases", w.Measure)})
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
	feedOf  []int  // each window's feed
	colOf   []int  // each window's place among its feed's windows
	width   []int  // how many windows each feed sums
	last    string // the last customer asked about, to see the order
	feeds   []*feed
	cases   *caseCounts // the open_cases windows' counts, nil without any
	done    chan struct{}
}

// caseCounts are the open cases per customer, counted from Scores.Cases
// by a goroutine while the profiles start: each customer's count for each
// open_cases window, by its column.
type caseCounts struct {
	ready chan struct{} // closed when counted
	err   error
	by    map[string][]float64
}

// figures are a batch of customers' figures: customer k's figure of the
// feed's window i at k·width+i. A number (a count, a sum, a last
// contact's time in seconds, NaN for none) is in nums; a set is
// arena[sets[2j]:sets[2j+1]], or shared[-1-sets[2j]] when sets[2j] is
// negative (a set of categories many customers have, made once).
type figures struct {
	ids    []string
	nums   []float64
	sets   []int32
	arena  []string
	shared [][]string
}

// feed is the figures of some windows, as a goroutine hands them over.
type feed struct {
	rows  chan *figures
	spare chan *figures // batches read, for the goroutine to fill again
	err   error         // set before rows is closed
	batch *figures
	next  int
	ended bool
}

// feedBatch is how many customers' figures a feed hands over at once.
const feedBatch = 256

func newWindowing(s *Schema, scores *Scores, asOf time.Time) (*windowing, error) {
	if len(s.windows) == 0 {
		return nil, nil
	}
	var onTx, onTp, onCases []int
	for i, win := range s.windows {
		switch {
		case win.onTouchpoints():
			onTp = append(onTp, i)
		case win.onCases():
			onCases = append(onCases, i)
		default:
			onTx = append(onTx, i)
		}
	}
	for _, need := range []struct {
		ws      []int
		source  string
		missing bool
	}{{onTx, "Transactions", scores.Transactions == nil}, {onTp, "Touchpoints", scores.Touchpoints == nil}, {onCases, "Cases", scores.Cases == nil}} {
		if len(need.ws) > 0 && need.missing {
			return nil, fmt.Errorf("segment: profiles: the windowed field %s needs Scores.%s, which is nil: %w", s.windows[need.ws[0]].Name, need.source, crm.ErrInvalid)
		}
	}
	txs, tps := scores.Transactions, scores.Touchpoints
	n := len(s.windows)
	w := &windowing{windows: s.windows, feedOf: make([]int, n), colOf: make([]int, n), done: make(chan struct{})}
	for _, win := range s.windows {
		w.pos = append(w.pos, s.index[win.Name])
	}
	// newFeed makes the feed that sums the windows ws.
	newFeed := func(ws []int) (*feed, *accumulator) {
		k := len(w.feeds)
		sub := make([]Window, len(ws))
		for c, i := range ws {
			w.feedOf[i], w.colOf[i], sub[c] = k, c, s.windows[i]
		}
		f := &feed{rows: make(chan *figures, 4), spare: make(chan *figures, 4)}
		w.feeds, w.width = append(w.feeds, f), append(w.width, len(ws))
		return f, newAccumulator(sub, asOf)
	}
	if len(onTx) > 0 {
		f, a := newFeed(onTx)
		go produceTx(w, f, a, txs)
	}
	if len(onTp) > 0 {
		f, a := newFeed(onTp)
		go produceTouchpoints(w, f, a, tps)
	}
	if len(onCases) > 0 {
		sub := make([]Window, len(onCases))
		for c, i := range onCases {
			w.feedOf[i], w.colOf[i], sub[c] = -1, c, s.windows[i]
		}
		w.cases = &caseCounts{ready: make(chan struct{}), by: map[string][]float64{}}
		go w.cases.count(w.done, scores.Cases, sub, asOf)
	}
	return w, nil
}

// emitter gathers one feed's figures customer by customer and hands them
// over a batch at a time.
type emitter struct {
	w     *windowing
	f     *feed
	a     *accumulator
	batch *figures
	cur   string
	seen  int
}

func newEmitter(w *windowing, f *feed, a *accumulator) *emitter {
	e := &emitter{w: w, f: f, a: a}
	e.batch = e.fresh(0)
	return e
}

// fresh is an empty batch: one the profiles are done with when there is
// one, else a new one. Its arena is always new (profiles keep their sets
// in it), as large as the last one's.
func (e *emitter) fresh(arena int) *figures {
	var b *figures
	select {
	case b = <-e.f.spare:
		b.ids, b.nums, b.sets, b.shared = b.ids[:0], b.nums[:0], b.sets[:0], b.shared[:0]
	default:
		n := len(e.a.specs)
		b = &figures{ids: make([]string, 0, feedBatch), nums: make([]float64, 0, feedBatch*n)}
		if e.a.hasSets {
			b.sets = make([]int32, 0, 2*feedBatch*n)
		}
	}
	if e.a.hasSets {
		b.arena = make([]string, 0, arena)
	}
	return b
}

// next moves to customer id's records; false when the windowing closed.
func (e *emitter) next(id string) bool {
	if id == e.cur {
		return true
	}
	if e.cur != "" {
		if e.a.take(e.cur, e.batch); len(e.batch.ids) == feedBatch && !e.send() {
			return false
		}
	}
	e.cur = id
	return true
}

func (e *emitter) send() bool {
	select {
	case e.f.rows <- e.batch:
		e.batch = e.fresh(cap(e.batch.arena))
		return true
	case <-e.w.done:
		return false
	}
}

// finish hands over what is left.
func (e *emitter) finish() {
	if e.cur != "" {
		e.a.take(e.cur, e.batch)
	}
	if len(e.batch.ids) > 0 {
		e.send()
	}
}

// produceTx reads the transactions and sums each into the windows of
// its customer, until the stream ends, a record is refused or the
// windowing closes; the figures go over a batch at a time. (The record
// is the loop's own variable, on this goroutine's stack: copying it into
// a record kept on the heap cost a write barrier per pointer while the
// collector ran, and handing it on by value a copy of every record.)
func produceTx(w *windowing, f *feed, a *accumulator, records iter.Seq2[crm.Transaction, error]) {
	defer close(f.rows)
	e := newEmitter(w, f, a)
	for tx, err := range records {
		if err != nil {
			f.err = err
			return
		}
		if !e.step(tx.CustomerID) {
			return
		}
		a.addTx(&tx)
	}
	e.finish()
}

// produceTouchpoints is produceTx for the touchpoints.
func produceTouchpoints(w *windowing, f *feed, a *accumulator, records iter.Seq2[crm.Touchpoint, error]) {
	defer close(f.rows)
	e := newEmitter(w, f, a)
	for tp, err := range records {
		if err != nil {
			f.err = err
			return
		}
		if !e.step(tp.CustomerID) {
			return
		}
		a.addTouchpoint(&tp)
	}
	e.finish()
}

// step moves to a record of customer id: it looks for the windowing's
// close every 1,024 records, refuses records out of customer order, and
// hands the last customer's figures over when id is a new customer.
// False means stop (f.err says why, when there is a why).
func (e *emitter) step(id string) bool {
	if e.seen++; e.seen%1024 == 0 {
		select {
		case <-e.w.done:
			return false
		default:
		}
	}
	if id == e.cur {
		return true
	}
	if e.cur != "" && id < e.cur {
		e.f.err = fmt.Errorf("segment: profiles: customer %q's records after %q's: windowed fields need the transactions and touchpoints by customer ID, as the stores stream them: %w", id, e.cur, crm.ErrInvalid)
		return false
	}
	return e.next(id)
}

// count reads every case and counts, per customer, those each window
// counts: open at asOf, of the window's kind, opened within its days.
func (cc *caseCounts) count(done <-chan struct{}, cases iter.Seq2[Case, error], ws []Window, asOf time.Time) {
	defer close(cc.ready)
	cutoff := make([]time.Time, len(ws))
	for i, win := range ws {
		cutoff[i] = asOf.AddDate(0, 0, -win.Days)
	}
	seen := 0
	for c, err := range cases {
		if err != nil {
			cc.err = err
			return
		}
		if seen++; seen%1024 == 0 {
			select {
			case <-done:
				return
			default:
			}
		}
		if !c.openAt(asOf) {
			continue
		}
		for i, win := range ws {
			if win.Category != "" && c.Kind != win.Category || win.Days > 0 && c.Opened.Before(cutoff[i]) {
				continue
			}
			counts := cc.by[c.CustomerID]
			if counts == nil {
				counts = make([]float64, len(ws))
				cc.by[c.CustomerID] = counts
			}
			counts[i]++
		}
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
		if f.batch != nil {
			select {
			case f.spare <- f.batch:
			default:
			}
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
	var cases []float64
	if w.cases != nil {
		if <-w.cases.ready; w.cases.err != nil {
			return w.cases.err
		}
		cases = w.cases.by[id]
	}
	for i, win := range w.windows {
		k := p.schema.pos[w.pos[i]]
		if win.onCases() {
			p.nums[k] = 0
			if cases != nil {
				p.nums[k] = cases[w.colOf[i]]
			}
			continue
		}
		f := w.feedOf[i]
		b, j := batches[f], at[f]*w.width[f]+w.colOf[i]
		switch win.Measure {
		case WindowPurchases, WindowSpend, WindowContacts:
			p.nums[k] = 0
			if b != nil {
				p.nums[k] = b.nums[j]
			}
		case WindowLastContact:
			p.nums[k] = missing
			if b != nil {
				p.nums[k] = b.nums[j] // NaN: no contact, missing
			}
		default:
			var set []string
			if b != nil {
				if from, to := b.sets[2*j], b.sets[2*j+1]; from < 0 {
					set = b.shared[-1-from]
				} else if to > from {
					set = b.arena[from:to:to]
				}
			}
			p.setStrings(k, set)
		}
	}
	return nil
}

// accumulator sums one customer's records into every window.
type accumulator struct {
	windows []Window
	specs   []spec
	asOf    instant
	hasSets bool
	counts  []int
	micros  []int64 // sums in millionths
	big     []decimal.Decimal
	sets    [][]string
	latest  []instant
	// amount is the current transaction's amount in millionths, worked
	// out once for every spend window that reads it.
	amount struct {
		micros     int64
		done, fits bool
	}
	// cats numbers the item categories; bits are the category sets of
	// the categories it numbered, a bit per number; items are the current
	// transaction's items' numbers, worked out once for every window that
	// reads them.
	cats  categories
	bits  []uint64
	items struct {
		ids  []int32
		done bool
	}
	merged []string // take's scratch
	shared map[uint64][]string
}

// categories numbers the first 64 distinct item categories it is asked
// about, so that the windows compare an item's category with a window's,
// and add it to a set, as small integers: a bit in a word. A category
// past the 64th is -1 (the windows compare and keep it as a string); the
// empty category is -2.
//
// An item's category is looked up first in a small cache by where its
// text is in memory (hosts that load a catalogue hand the same string
// with every item of a product, so the look-up is a pointer comparison),
// then in a map. The cache holds the strings it compares, so memory it
// points to is never reused while it does; it holds none longer than
// maxCachedCategory bytes.
type categories struct {
	ids   map[string]int32
	names []string // by number
	order []int32  // numbers in the order of their names
	cache [4096]struct {
		s  string
		id int32
	}
}

// maxCategories is how many categories categories numbers: the bits of
// a word.
const maxCategories = 64

func (c *categories) id(s string) int32 {
	if s == "" {
		return -2
	}
	p := unsafe.StringData(s)
	h := uintptr(unsafe.Pointer(p))
	e := &c.cache[(h>>4^h>>16)&4095]
	if unsafe.StringData(e.s) == p && len(e.s) == len(s) || e.s == s {
		return e.id
	}
	id, ok := c.ids[s]
	if !ok {
		id = -1
		if len(c.names) < maxCategories {
			id = int32(len(c.names))
			if c.ids == nil {
				c.ids = map[string]int32{}
			}
			c.ids[s], c.names = id, append(c.names, s)
			k, _ := slices.BinarySearchFunc(c.order, s, func(j int32, s string) int { return strings.Compare(c.names[j], s) })
			c.order = slices.Insert(c.order, k, id)
		}
	}
	if len(s) <= maxCachedCategory { // the cache keeps what it holds alive: short texts only
		e.s, e.id = s, id
	}
	return id
}

// maxCachedCategory is the longest category text the cache of categories
// holds: 4,096 of them keep at most 256 KiB alive past their records.
const maxCachedCategory = 64

// spec is what the accumulator needs of a window, read once per record.
type spec struct {
	measure  measure
	category string
	catID    int32 // category's number (see categories), -2 without one
	days     int
	onTp     bool
	cutoff   instant
}

// measure is a WindowMeasure as a number, so that a record's windows are
// told apart without comparing strings.
type measure uint8

const (
	mPurchases measure = iota
	mSpend
	mCategories
	mChannels
	mContacts
	mLastContact
)

var measures = map[WindowMeasure]measure{WindowPurchases: mPurchases, WindowSpend: mSpend, WindowCategories: mCategories,
	WindowChannels: mChannels, WindowContacts: mContacts, WindowLastContact: mLastContact}

// instant is a time as seconds and nanoseconds since 1970: comparing two
// costs two integer comparisons.
type instant struct {
	sec  int64
	nsec int32
}

func instantOf(t time.Time) instant { return instant{sec: t.Unix(), nsec: int32(t.Nanosecond())} }

func (x instant) before(y instant) bool { return x.sec < y.sec || x.sec == y.sec && x.nsec < y.nsec }

func (x instant) zero() bool { return x == instant{} }

func newAccumulator(ws []Window, asOf time.Time) *accumulator {
	n := len(ws)
	a := &accumulator{windows: ws, asOf: instantOf(asOf), specs: make([]spec, n), counts: make([]int, n), micros: make([]int64, n),
		big: make([]decimal.Decimal, n), sets: make([][]string, n), latest: make([]instant, n)}
	a.bits = make([]uint64, n)
	for i, w := range ws {
		a.specs[i] = spec{measure: measures[w.Measure], category: w.Category, catID: a.cats.id(w.Category), days: w.Days, onTp: w.onTouchpoints(), cutoff: instantOf(asOf.AddDate(0, 0, -w.Days))}
		a.hasSets = a.hasSets || w.fieldType() == StringSet
	}
	return a
}

// itemIDs are the current transaction's items' category numbers.
func (a *accumulator) itemIDs(tx *crm.Transaction) []int32 {
	if !a.items.done {
		a.items.ids = a.items.ids[:0]
		for k := range tx.Items {
			a.items.ids = append(a.items.ids, a.cats.id(tx.Items[k].Category))
		}
		a.items.done = true
	}
	return a.items.ids
}

// isCategory says whether an item's category c is window win's.
// Categories are often codes of one length that differ in their last
// character ("category-03", "category-07"): that is compared first.
func (win *spec) isCategory(c string) bool {
	w := win.category
	return len(c) == len(w) && len(c) > 0 && c[len(c)-1] == w[len(w)-1] && c == w
}

// isNumberedCategory is isCategory for an item whose category c has the
// number id: numbers are compared when the window's category has one (a
// text numbered otherwise, or not at all, is another text).
func (win *spec) isNumberedCategory(id int32, c string) bool {
	if win.catID >= 0 {
		return id == win.catID
	}
	return c == win.category
}

// categorySet is window i's set: the numbered categories in bits and the
// others in sets, merged in order into a.merged.
func (a *accumulator) categorySet(i int) []string {
	bits, rest := a.bits[i], a.sets[i]
	if bits == 0 {
		return rest
	}
	out := a.merged[:0]
	for _, id := range a.cats.order {
		if bits&(1<<id) == 0 {
			continue
		}
		name := a.cats.names[id]
		for len(rest) > 0 && rest[0] < name {
			out, rest = append(out, rest[0]), rest[1:]
		}
		out = append(out, name)
	}
	out = append(out, rest...)
	a.merged = out
	return out
}

// in says whether a record at t falls in window i.
func (a *accumulator) in(i int, t instant) bool {
	return t.before(a.asOf) && (a.specs[i].days == 0 || !t.before(a.specs[i].cutoff))
}

// take adds the customer's figures to the batch and resets the
// accumulator.
func (a *accumulator) take(id string, b *figures) {
	b.ids = append(b.ids, id)
	for i := range a.specs {
		num, from := 0.0, int32(len(b.arena))
		switch a.specs[i].measure {
		case mPurchases, mContacts:
			num = float64(a.counts[i])
		case mSpend:
			num = float64(a.micros[i]) / 1e6
			if !a.big[i].IsZero() {
				num = a.big[i].Add(decimal.New(a.micros[i], -6)).InexactFloat64()
			}
		case mLastContact:
			num = math.NaN()
			if t := a.latest[i]; !t.zero() {
				num = float64(t.sec) + float64(t.nsec)/1e9
			}
		case mCategories:
			if set, ok := a.sharedSet(i); ok {
				b.shared = append(b.shared, set)
				b.sets = append(b.sets, int32(-len(b.shared)), 0)
				b.nums = append(b.nums, 0)
				a.reset(i)
				continue
			}
			b.arena = append(b.arena, a.categorySet(i)...) // sorted and distinct
		default:
			b.arena = append(b.arena, a.sets[i]...) // sorted and distinct as added
		}
		if a.hasSets {
			b.sets = append(b.sets, from, int32(len(b.arena)))
		}
		b.nums = append(b.nums, num)
		a.reset(i)
	}
}

// reset empties window i for the next customer.
func (a *accumulator) reset(i int) {
	a.counts[i], a.micros[i], a.big[i], a.sets[i], a.latest[i], a.bits[i] = 0, 0, decimal.Decimal{}, a.sets[i][:0], instant{}, 0
}

// maxShared bounds how many distinct category sets are made once and
// shared by the profiles that have them (a set a word of bits names);
// past it, sets are copied per customer.
const maxShared = 4096

// sharedSet is window i's set as one shared by every customer with it,
// when every category in it is numbered and it is not empty.
func (a *accumulator) sharedSet(i int) ([]string, bool) {
	bits := a.bits[i]
	if bits == 0 || len(a.sets[i]) > 0 {
		return nil, false
	}
	if set, ok := a.shared[bits]; ok {
		return set, true
	}
	if len(a.shared) >= maxShared {
		return nil, false
	}
	if a.shared == nil {
		a.shared = map[uint64][]string{}
	}
	set := slices.Clip(slices.Clone(a.categorySet(i)))
	a.shared[bits] = set
	return set, true
}

func (a *accumulator) addTouchpoint(tp *crm.Touchpoint) {
	t := instantOf(tp.Time)
	for i := range a.specs {
		if !a.specs[i].onTp || !a.in(i, t) {
			continue
		}
		a.counts[i]++
		if a.latest[i].before(t) {
			a.latest[i] = t
		}
	}
}

func (a *accumulator) addTx(tx *crm.Transaction) {
	t := instantOf(tx.Time)
	if !t.before(a.asOf) {
		return
	}
	a.amount.done, a.items.done = false, false
	purchase, refund := tx.Kind == crm.Purchase, tx.Kind == crm.Refund
	for i := range a.specs {
		win := &a.specs[i]
		if win.onTp || win.days != 0 && t.before(win.cutoff) {
			continue
		}
		// The common windows inline; the rest, which read the items, in add.
		switch {
		case win.category != "" || win.measure > mSpend:
			a.add(i, win, tx, purchase, refund)
		case win.measure == mPurchases:
			if purchase {
				a.counts[i]++
			}
		default:
			if !a.amount.done {
				a.amount.micros, a.amount.fits = toMicros(tx.Amount, 1)
				a.amount.done = true
			}
			a.addAmount(i, tx.Amount, 1, refund, a.amount.micros, a.amount.fits)
		}
	}
}

// maxMicros bounds the amounts summed as int64 millionths, so that no sum
// of a customer's transactions can overflow; larger ones go to decimals.
const maxMicros = 1 << 50

// toMicros is qty × d in millionths, when that is exact and below
// maxMicros.
func toMicros(d decimal.Decimal, qty int64) (int64, bool) {
	exp := int(d.Exponent())
	if exp < -6 || exp > 6 || qty <= 0 || qty >= 1<<10 || d.NumDigits() > 18 {
		return 0, false
	}
	m := d.CoefficientInt64()
	for e := 0; e < exp+6; e++ {
		if m <= -maxMicros || m >= maxMicros {
			return 0, false
		}
		m *= 10
	}
	if m <= -maxMicros || m >= maxMicros {
		return 0, false
	}
	return m * qty, true
}

// addAmount adds sign × d × quantity to window i; micros and fits are
// toMicros's answer for it.
func (a *accumulator) addAmount(i int, d decimal.Decimal, qty int64, neg bool, micros int64, fits bool) {
	if fits {
		if neg {
			micros = -micros
		}
		a.micros[i] += micros
		return
	}
	v := d.Mul(decimal.NewFromInt(qty))
	if neg {
		v = v.Neg()
	}
	a.big[i] = a.big[i].Add(v)
}

// add counts one transaction into window i.
func (a *accumulator) add(i int, win *spec, tx *crm.Transaction, purchase, refund bool) {
	switch win.measure {
	case mPurchases:
		if !purchase {
			return
		}
		if win.category == "" {
			a.counts[i]++
			return
		}
		for k := range tx.Items {
			if win.isCategory(tx.Items[k].Category) {
				a.counts[i]++
				return
			}
		}
	case mSpend:
		if win.category == "" {
			if !a.amount.done {
				a.amount.micros, a.amount.fits = toMicros(tx.Amount, 1)
				a.amount.done = true
			}
			a.addAmount(i, tx.Amount, 1, refund, a.amount.micros, a.amount.fits)
			return
		}
		for k := range tx.Items {
			if it := &tx.Items[k]; win.isCategory(it.Category) {
				m, fits := toMicros(it.UnitPrice, int64(it.Quantity))
				a.addAmount(i, it.UnitPrice, int64(it.Quantity), refund, m, fits)
			}
		}
	case mCategories:
		if !purchase {
			return
		}
		for k, id := range a.itemIDs(tx) {
			switch c := tx.Items[k].Category; {
			case id == -2 || win.category != "" && !win.isNumberedCategory(id, c): // no category, or not the window's
			case id >= 0:
				a.bits[i] |= 1 << id
			default:
				a.addToSet(i, c)
			}
		}
	case mChannels:
		if purchase && tx.Channel != "" {
			a.addToSet(i, string(tx.Channel))
		}
	}
}

// addToSet adds v to window i's set, kept sorted and distinct. Most
// values are there already (a customer buys from few categories, on few
// channels): equality, which sees the same string at once, is tried
// first.
func (a *accumulator) addToSet(i int, v string) {
	set := a.sets[i]
	if len(set) <= 8 {
		for _, x := range set {
			if x == v {
				return
			}
		}
	}
	if k, found := slices.BinarySearch(set, v); !found {
		a.sets[i] = slices.Insert(set, k, v)
	}
}
