package crm

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/crmkit/crm/internal/hashindex"
)

// MemoryStore is an in-memory CustomerStore, TransactionStore and
// TouchpointStore, safe for concurrent use. It is the default store for
// tests, examples and hosts that keep data elsewhere and load it for an
// analysis. Streams read in chunks without holding locks while yielding, so a
// loop body may write to the store.
type MemoryStore struct {
	customers   customerMap
	txs         *eventLog[Transaction]
	touchpoints *eventLog[Touchpoint]
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		customers: customerMap{byID: map[string]*Customer{}, past: map[string][]*Customer{}},
		txs: newEventLog("transaction", func(t *Transaction) (string, string, time.Time) {
			return t.ID, t.CustomerID, t.Time
		}, Transaction.Validate, Transaction.Equal, Transaction.Clone),
		touchpoints: newEventLog("touchpoint", func(t *Touchpoint) (string, string, time.Time) {
			return t.ID, t.CustomerID, t.Time
		}, Touchpoint.Validate, Touchpoint.Equal, func(t Touchpoint) Touchpoint { return t }),
	}
}

var (
	_ CustomerStore    = (*MemoryStore)(nil)
	_ TransactionStore = (*MemoryStore)(nil)
	_ TouchpointStore  = (*MemoryStore)(nil)
	_ ContactIndex     = (*MemoryStore)(nil)
	_ CustomerHistory  = (*MemoryStore)(nil)
)

// chunk is how many records a stream copies per lock acquisition.
const chunk = 1024

type customerMap struct {
	mu     sync.RWMutex
	byID   map[string]*Customer   // records are never mutated after insertion
	past   map[string][]*Customer // each customer's versions before the current one
	sorted []string               // IDs in order; nil when stale
	keys   contactKeys            // IDs by e-mail and phone key
}

// CreateCustomer implements CustomerStore.
func (s *MemoryStore) CreateCustomer(ctx context.Context, c Customer) (Customer, error) {
	if err := ctx.Err(); err != nil {
		return Customer{}, err
	}
	c = c.Clone()
	c.Version = 1
	if err := c.Validate(); err != nil {
		return Customer{}, err
	}
	m := &s.customers
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byID[c.ID]; ok {
		return Customer{}, fmt.Errorf("crm: create customer %q: %w", c.ID, ErrExists)
	}
	m.byID[c.ID] = &c
	m.keys.add(&c)
	m.sorted = nil
	return c.Clone(), nil
}

// Customer implements CustomerStore.
func (s *MemoryStore) Customer(ctx context.Context, id string) (Customer, error) {
	if err := ctx.Err(); err != nil {
		return Customer{}, err
	}
	m := &s.customers
	m.mu.RLock()
	c, ok := m.byID[id]
	m.mu.RUnlock()
	if !ok {
		return Customer{}, fmt.Errorf("crm: customer %q: %w", id, ErrNotFound)
	}
	return c.Clone(), nil
}

// UpdateCustomer implements CustomerStore.
func (s *MemoryStore) UpdateCustomer(ctx context.Context, c Customer) (Customer, error) {
	if err := ctx.Err(); err != nil {
		return Customer{}, err
	}
	if err := c.Validate(); err != nil {
		return Customer{}, err
	}
	c = c.Clone()
	m := &s.customers
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.byID[c.ID]
	if !ok {
		return Customer{}, fmt.Errorf("crm: update customer %q: %w", c.ID, ErrNotFound)
	}
	if old.Version != c.Version {
		return Customer{}, &ConflictError{Kind: "customer", ID: c.ID, Have: c.Version, Current: old.Version}
	}
	c.Version++
	m.keys.remove(old)
	m.past[c.ID] = append(m.past[c.ID], old)
	m.byID[c.ID] = &c
	m.keys.add(&c)
	return c.Clone(), nil
}

// DeleteCustomer implements CustomerStore.
func (s *MemoryStore) DeleteCustomer(ctx context.Context, id string, version int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m := &s.customers
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.byID[id]
	if !ok {
		return fmt.Errorf("crm: delete customer %q: %w", id, ErrNotFound)
	}
	if old.Version != version {
		return &ConflictError{Kind: "customer", ID: id, Have: version, Current: old.Version}
	}
	delete(m.byID, id)
	delete(m.past, id)
	m.keys.remove(old)
	m.sorted = nil
	return nil
}

// CustomerVersions implements CustomerHistory.
func (s *MemoryStore) CustomerVersions(ctx context.Context, id string) iter.Seq2[Customer, error] {
	return func(yield func(Customer, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(Customer{}, err)
			return
		}
		m := &s.customers
		m.mu.RLock()
		var versions []*Customer
		if c, ok := m.byID[id]; ok {
			versions = append(slices.Clone(m.past[id]), c)
		}
		m.mu.RUnlock()
		for _, c := range versions {
			if !yield(c.Clone(), nil) {
				return
			}
		}
	}
}

// Customers implements CustomerStore.
func (s *MemoryStore) Customers(ctx context.Context) iter.Seq2[Customer, error] {
	return func(yield func(Customer, error) bool) {
		m := &s.customers
		ids := m.sortedIDs()
		buf := make([]*Customer, 0, chunk)
		for start := 0; start < len(ids); start += chunk {
			if err := ctx.Err(); err != nil {
				yield(Customer{}, err)
				return
			}
			buf = buf[:0]
			m.mu.RLock()
			for _, id := range ids[start:min(start+chunk, len(ids))] {
				if c, ok := m.byID[id]; ok { // deleted since the snapshot: skip
					buf = append(buf, c)
				}
			}
			m.mu.RUnlock()
			for _, c := range buf {
				if !yield(c.Clone(), nil) {
					return
				}
			}
		}
	}
}

func (m *customerMap) sortedIDs() []string {
	m.mu.RLock()
	ids := m.sorted
	m.mu.RUnlock()
	if ids != nil {
		return ids
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sorted == nil {
		m.sorted = make([]string, 0, len(m.byID))
		for id := range m.byID {
			m.sorted = append(m.sorted, id)
		}
		slices.Sort(m.sorted)
	}
	return m.sorted
}

// AppendTransactions implements TransactionStore.
func (s *MemoryStore) AppendTransactions(ctx context.Context, txs ...Transaction) error {
	return s.txs.append(ctx, txs)
}

// Transaction implements TransactionStore.
func (s *MemoryStore) Transaction(ctx context.Context, id string) (Transaction, error) {
	return s.txs.get(ctx, id)
}

// Transactions implements TransactionStore.
func (s *MemoryStore) Transactions(ctx context.Context) iter.Seq2[Transaction, error] {
	return s.txs.all(ctx)
}

// CustomerTransactions implements TransactionStore.
func (s *MemoryStore) CustomerTransactions(ctx context.Context, customerID string) iter.Seq2[Transaction, error] {
	return s.txs.ofCustomer(ctx, customerID)
}

// TransactionsBetween implements TransactionStore.
func (s *MemoryStore) TransactionsBetween(ctx context.Context, from, to time.Time) iter.Seq2[Transaction, error] {
	return s.txs.between(ctx, from, to)
}

// AppendTouchpoints implements TouchpointStore.
func (s *MemoryStore) AppendTouchpoints(ctx context.Context, tps ...Touchpoint) error {
	return s.touchpoints.append(ctx, tps)
}

// Touchpoint implements TouchpointStore.
func (s *MemoryStore) Touchpoint(ctx context.Context, id string) (Touchpoint, error) {
	return s.touchpoints.get(ctx, id)
}

// Touchpoints implements TouchpointStore.
func (s *MemoryStore) Touchpoints(ctx context.Context) iter.Seq2[Touchpoint, error] {
	return s.touchpoints.all(ctx)
}

// CustomerTouchpoints implements TouchpointStore.
func (s *MemoryStore) CustomerTouchpoints(ctx context.Context, customerID string) iter.Seq2[Touchpoint, error] {
	return s.touchpoints.ofCustomer(ctx, customerID)
}

// TouchpointsBetween implements TouchpointStore.
func (s *MemoryStore) TouchpointsBetween(ctx context.Context, from, to time.Time) iter.Seq2[Touchpoint, error] {
	return s.touchpoints.between(ctx, from, to)
}

// eventLog is an append-only, ID-idempotent log of timestamped customer
// records. Appended records are never modified, so streams read them
// without a lock once they have captured the slice headers.
type eventLog[T any] struct {
	kind     string
	key      func(*T) (id, customer string, at time.Time)
	validate func(T) error
	equal    func(T, T) bool
	clone    func(T) T

	mu sync.RWMutex
	// The records are kept in chunks of logChunk in the order they were
	// appended (appending never copies them) and found by ID through a
	// hash index (no pointers for the collector to scan).
	chunks     [][]T
	n          int
	ids        *hashindex.Index
	byCustomer map[string][]int // each ordered by (time, id); replaced, never edited in place below its length
	customers  []string         // sorted customer IDs; nil when stale
	byTime     []int            // all items ordered by (time, id); nil when stale
}

func newEventLog[T any](kind string, key func(*T) (string, string, time.Time), validate func(T) error, equal func(T, T) bool, clone func(T) T) *eventLog[T] {
	return &eventLog[T]{kind: kind, key: key, validate: validate, equal: equal, clone: clone,
		ids: hashindex.New(), byCustomer: map[string][]int{}}
}

// logChunk is how many records one chunk of an event log holds.
const logChunk = 4096

// itemAt is record i of a snapshot of the chunks.
func itemAt[T any](chunks [][]T, i int) *T { return &chunks[i/logChunk][i%logChunk] }

// idOf is the ID of the record at, for the index.
func (l *eventLog[T]) idOf(at func(int) *T) func(int) string {
	return func(i int) string { id, _, _ := l.key(at(i)); return id }
}

// stored is record i once stored.
func (l *eventLog[T]) stored(i int) *T { return itemAt(l.chunks, i) }

func (l *eventLog[T]) append(ctx context.Context, batch []T) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var errs []error
	for i := range batch {
		if err := l.validate(batch[i]); err != nil {
			errs = append(errs, fmt.Errorf("record %d: %w", i, err))
		}
	}
	if len(errs) > 0 {
		return &ValidationError{Package: "crm", What: fmt.Sprintf("append %ss", l.kind), Problems: errs}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	// The new records go into the ID index first, at the positions they
	// will take; a conflict takes them out again, so a failed batch leaves
	// the log as it was.
	n0 := l.n
	fresh := make([]int, 0, len(batch)) // indexes into batch of records to add
	idAt := l.idOf(func(i int) *T {
		if i < n0 {
			return l.stored(i)
		}
		return &batch[fresh[i-n0]]
	})
	for i := range batch {
		id, _, _ := l.key(&batch[i])
		if j := l.ids.Find(id, idAt); j >= 0 {
			switch {
			case j < n0 && !l.equal(*l.stored(j), batch[i]):
				errs = append(errs, fmt.Errorf("record %d: %s %q: stored with different content: %w", i, l.kind, id, ErrExists))
			case j >= n0 && !l.equal(batch[fresh[j-n0]], batch[i]):
				errs = append(errs, fmt.Errorf("record %d: %s %q: record %d has the same ID and different content: %w", i, l.kind, id, fresh[j-n0], ErrExists))
			}
			continue
		}
		l.ids.Add(id)
		fresh = append(fresh, i)
	}
	if len(errs) > 0 {
		l.ids.Truncate(n0, idAt)
		return &ValidationError{Package: "crm", What: fmt.Sprintf("append %ss", l.kind), Problems: errs}
	}
	// New records join their customers' lists in one merge per customer,
	// so a batch of k records for one customer costs O(n + k log k), not a
	// copy of the list per record.
	added := map[string][]int{}
	var order []string
	for _, i := range fresh {
		n := l.n
		if n/logChunk == len(l.chunks) {
			l.chunks = append(l.chunks, make([]T, logChunk))
		}
		rec := l.stored(n)
		*rec = l.clone(batch[i])
		l.n++
		_, cust, _ := l.key(rec)
		if _, ok := added[cust]; !ok {
			order = append(order, cust)
		}
		added[cust] = append(added[cust], n)
	}
	for _, cust := range order {
		list, known := l.byCustomer[cust]
		if !known {
			l.customers = nil
		}
		l.byCustomer[cust] = l.insertOrdered(list, added[cust])
	}
	if len(fresh) > 0 {
		l.byTime = nil
	}
	return nil
}

// insertOrdered adds items ns to list, which is ordered by (time, id).
// When they all sort after the list, they are appended, writing only past
// the length readers hold; otherwise the two are merged into a new slice,
// so that no reader sees a slice change under it.
func (l *eventLog[T]) insertOrdered(list []int, ns []int) []int {
	if len(ns) > 1 {
		slices.SortFunc(ns, l.compare)
	}
	if len(list) == 0 || l.compare(list[len(list)-1], ns[0]) < 0 {
		return append(list, ns...)
	}
	out := make([]int, 0, len(list)+len(ns)+len(list)/4)
	i, j := 0, 0
	for i < len(list) && j < len(ns) {
		if l.compare(list[i], ns[j]) <= 0 {
			out = append(out, list[i])
			i++
		} else {
			out = append(out, ns[j])
			j++
		}
	}
	out = append(out, list[i:]...)
	return append(out, ns[j:]...)
}

func (l *eventLog[T]) compare(a, b int) int {
	ida, _, ta := l.key(l.stored(a))
	idb, _, tb := l.key(l.stored(b))
	if c := ta.Compare(tb); c != 0 {
		return c
	}
	return cmp.Compare(ida, idb)
}

func (l *eventLog[T]) get(ctx context.Context, id string) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	i := l.ids.Find(id, l.idOf(l.stored))
	if i < 0 {
		return zero, fmt.Errorf("crm: %s %q: %w", l.kind, id, ErrNotFound)
	}
	return l.clone(*l.stored(i)), nil
}

// all streams customer by customer. It snapshots the sorted customer list
// once and then, a chunk of customers at a time, their index lists.
func (l *eventLog[T]) all(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		l.mu.Lock()
		if l.customers == nil {
			l.customers = make([]string, 0, len(l.byCustomer))
			for c := range l.byCustomer {
				l.customers = append(l.customers, c)
			}
			slices.Sort(l.customers)
		}
		customers := l.customers
		l.mu.Unlock()
		lists := make([][]int, 0, chunk)
		for start := 0; start < len(customers); start += chunk {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			lists = lists[:0]
			l.mu.RLock()
			items := l.chunks
			for _, c := range customers[start:min(start+chunk, len(customers))] {
				lists = append(lists, l.byCustomer[c])
			}
			l.mu.RUnlock()
			for _, list := range lists {
				for _, i := range list {
					if !yield(l.clone(*itemAt(items, i)), nil) {
						return
					}
				}
			}
		}
	}
}

func (l *eventLog[T]) ofCustomer(ctx context.Context, customerID string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if err := ctx.Err(); err != nil {
			yield(zero, err)
			return
		}
		l.mu.RLock()
		items, list := l.chunks, l.byCustomer[customerID]
		l.mu.RUnlock()
		l.stream(ctx, items, list, yield)
	}
}

func (l *eventLog[T]) between(ctx context.Context, from, to time.Time) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if err := ctx.Err(); err != nil {
			yield(zero, err)
			return
		}
		l.mu.Lock()
		if l.byTime == nil {
			l.byTime = make([]int, l.n)
			for i := range l.byTime {
				l.byTime[i] = i
			}
			slices.SortFunc(l.byTime, l.compare)
		}
		items, order := l.chunks, l.byTime
		l.mu.Unlock()
		at := func(i int) time.Time { _, _, t := l.key(itemAt(items, order[i])); return t }
		lo := sort.Search(len(order), func(i int) bool { return !at(i).Before(from) })
		hi := sort.Search(len(order), func(i int) bool { return !at(i).Before(to) })
		if hi < lo {
			hi = lo
		}
		l.stream(ctx, items, order[lo:hi], yield)
	}
}

func (l *eventLog[T]) stream(ctx context.Context, items [][]T, list []int, yield func(T, error) bool) {
	var zero T
	for k, i := range list {
		if k%chunk == chunk-1 {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
		}
		if !yield(l.clone(*itemAt(items, i)), nil) {
			return
		}
	}
}
